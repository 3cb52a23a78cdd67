"""Groups: communities of interest and projects, their members and linked channels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    ColumnElement,
    Index,
    UniqueConstraint,
    event,
    inspect,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Field, SQLModel, col

from core.directory.models import NAME_KEY, Member
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
NOT_OWNERS = "role <> 'owner'"


class GroupMember(SQLModel, table=True):
    """Membership; ``role`` is ``owner`` or ``member``.

    ``name_key`` is a copy of the member's ``Member.name_key``, so that a group's members can be read
    in name order from an index, the first page alone (``core.groups.roster.page``), instead of every
    membership joined to its member and sorted: a copy the events below keep in step — taken from the
    member when the membership is written, rewritten in the transaction that renames the member.
    It has no default: a bulk ``INSERT`` that forgets it fails instead of listing its member first."""

    __tablename__ = "group_member"
    __table_args__ = (
        # A group's owners, found without reading its other members (joining an ownerless group, the
        # last owner leaving, the owners ``group info`` names).
        Index("ix_group_member_owners", "group_id", "member_id",
              postgresql_where=text(OWNERS), sqlite_where=text(OWNERS)),
        # A group's other members in name order (``group members``, after its owners).
        Index("ix_group_member_names", "group_id", "name_key", "member_id",
              postgresql_where=text(NOT_OWNERS), sqlite_where=text(NOT_OWNERS)),
    )

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True, ondelete="CASCADE")
    role: str = Field(default="member", max_length=8)
    name_key: str = Field(default=None, sa_column=Column(NAME_KEY, nullable=False))
    joined_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


@event.listens_for(GroupMember, "before_insert")
def _copy_name_key(_mapper: Mapper[GroupMember], _connection: Connection, membership: GroupMember) -> None:
    """A membership the ORM writes takes its member's key inside its own INSERT (a subquery), as the
    join's INSERT … SELECT does: on SQLite within the write turn, on PostgreSQL under a share lock
    of the member's row. So a rename under way is waited for and its key taken, and a rename that
    comes after waits for this membership and rewrites it; a key read before the INSERT could be
    the old one."""
    if membership.name_key is None:
        membership.name_key = (select(col(Member.name_key)).where(col(Member.id) == membership.member_id)
                               .with_for_update(read=True).scalar_subquery())


@event.listens_for(GroupMember, "after_insert")
def _read_name_key_back(_mapper: Mapper[GroupMember], connection: Connection,
                        membership: GroupMember) -> None:
    """The key the subquery wrote, read back at once: the ORM leaves such an attribute expired, and a
    later read of it would be a lazy load, which async sessions refuse."""
    if "name_key" not in inspect(membership).dict:
        table = GroupMember.__table__  # type: ignore[attr-defined]
        key = connection.execute(select(table.c.name_key).where(
            table.c.group_id == membership.group_id, table.c.member_id == membership.member_id)).scalar_one()
        set_committed_value(membership, "name_key", key)


@event.listens_for(Member, "after_update")
def _rename_in_groups(_mapper: Mapper[Member], connection: Connection, member: Member) -> None:
    """A renamed member's memberships take the new key in the same transaction as the name (by
    ``ix_group_member_member_id``): a failure before the commit takes both back."""
    if inspect(member).attrs.name_key.history.has_changes():
        table = GroupMember.__table__  # type: ignore[attr-defined]
        renamed = table.update().where(table.c.member_id == member.id).values(name_key=member.name_key)
        connection.execute(renamed)


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


def is_not_owner() -> ColumnElement[bool]:
    """SQL: the membership is not an owner's, as ``ix_group_member_names`` says it (see ``is_owner``)."""
    return col(GroupMember.role) != literal_column("'owner'")
