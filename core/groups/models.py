"""Groups: communities of interest and projects, their members and linked channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Index, UniqueConstraint, literal_column, text
from sqlmodel import Field, SQLModel, col

from core.runtime.columns import json_column, utcnow, when


class Group(SQLModel, table=True):
    """A community or project; ``slug`` is derived from the name and unique."""

    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=80)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=1000)
    tags: list[str] = Field(default_factory=list, sa_column=json_column())
    visibility: str = Field(default="public", max_length=8)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))
    archived_at: datetime | None = Field(default=None, sa_column=when())


OWNERS = "role = 'owner'"


class GroupMember(SQLModel, table=True):
    """Membership; ``role`` is ``owner`` or ``member``."""

    __tablename__ = "group_member"
    # A group's owners, found without reading its other members (joining an ownerless group, the
    # last owner leaving, the owners ``group info`` names).
    __table_args__ = (Index("ix_group_member_owners", "group_id", "member_id",
                            postgresql_where=text(OWNERS), sqlite_where=text(OWNERS)),)

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True, ondelete="CASCADE")
    role: str = Field(default="member", max_length=8)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class GroupChannel(SQLModel, table=True):
    """A Slack or Teams channel linked to a group: announcements reach every linked channel."""

    __tablename__ = "group_channel"
    __table_args__ = (
        UniqueConstraint("group_id", "platform", "tenant", "channel_id", name="uq_group_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)
    tenant: str = Field(default="", max_length=128)
    channel_id: str = Field(max_length=255)
    linked_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    linked_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class Announcement(SQLModel, table=True):
    """What a group's owner announced (``group announce``), in the language they wrote it in: each
    linked channel's post is an outbox delivery (source ``announcement:<id>``), built from this row."""

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    text: str = Field(max_length=4000)
    locale: str = Field(default="en", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


def is_owner() -> ColumnElement[bool]:
    """SQL: the membership is an owner's, written as ``ix_group_member_owners`` says it — a literal,
    not a bound parameter, or neither database could tell that the partial index applies."""
    return col(GroupMember.role) == literal_column("'owner'")
