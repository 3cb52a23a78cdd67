"""Members, their platform identities and roles, and the skills they declare."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, String, UniqueConstraint, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, utcnow, when
from core.text import SORT_KEY_LENGTH, sort_key

ROLES: tuple[str, ...] = ("member", "animator", "referent", "moderator", "admin")


#: the erased members, so few that counting what they still hold (a group's members) is a lookup
ERASED = "erased_at IS NOT NULL"


#: a name's sort key (``core.text.sort_key``), compared code point by code point on both databases:
#: PostgreSQL's default collation would order it by a locale's rules, unlike Python and SQLite
NAME_KEY = String(SORT_KEY_LENGTH).with_variant(String(SORT_KEY_LENGTH, collation="C"), "postgresql")


def _name_key_default(context: Any) -> str:
    """The key of a row inserted without one by a bulk ``INSERT`` (the ORM's are set by the events
    below): its ``display_name``'s."""
    return sort_key(context.get_current_parameters().get("display_name") or "")


class Member(SQLModel, table=True):
    """One person, whatever the platform; ``email`` joins their Slack and Teams identities."""

    __table_args__ = (
        Index("ix_member_erased", "id", postgresql_where=text(ERASED), sqlite_where=text(ERASED)),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, unique=True, index=True, max_length=320)
    display_name: str = Field(default="", max_length=200)
    #: ``sort_key(display_name)``, kept in step by the ORM events below (and copied to each of the
    #: member's group memberships, which ``group members`` reads in that order: ``core.groups.models``)
    name_key: str = Field(default=None, sa_column=Column(NAME_KEY, nullable=False, default=_name_key_default))
    title: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    location: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    locale: str = Field(default="en", max_length=8)
    locale_chosen: bool = False
    charter_accepted_at: datetime | None = Field(default=None, sa_column=when())
    #: the version of the usage charter accepted at ``charter_accepted_at`` (``core.governance``)
    charter_version: str | None = Field(default=None, max_length=32)
    #: the charter version last shown in full instead of a command: later refusals only remind
    charter_shown: str | None = Field(default=None, max_length=32)
    #: when a pilot rollout first told them Parvis is not open to them yet: silence after that
    pilot_notified_at: datetime | None = Field(default=None, sa_column=when())
    campaign_opt_out: bool = False
    erased_at: datetime | None = Field(default=None, sa_column=when())
    #: after erasure, HMAC-SHA256(server secret, former e-mail): the address is recognised, not kept
    #: (``core.directory.erased``)
    erased_key: str | None = Field(default=None, max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _keep_name_key(_mapper: Mapper[Member], _connection: Connection, member: Member) -> None:
    """Whoever writes a name (the directory import, a profile from Slack or Teams, an erasure, a
    test), its sort key is written with it, in the same statement."""
    if member.name_key is None or inspect(member).attrs.display_name.history.has_changes():
        member.name_key = sort_key(member.display_name or "")


class MemberRole(SQLModel, table=True):
    """A role held by a member; ``member`` is implicit and never stored."""

    __tablename__ = "member_role"

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=16)
    granted_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class RoleSeed(SQLModel, table=True):
    """An (address, role) pair of the configuration's ``[roles]`` already granted once.

    Why: ``[roles]`` names the *first* admins, animators and referents. Granted once and recorded
    here, a pair is never granted again, so a role an admin revoked in the chat stays revoked
    when Parvis restarts with the same configuration (``core.directory.roles.seed``).
    """

    __tablename__ = "role_seed"

    email: str = Field(primary_key=True, max_length=320)
    role: str = Field(primary_key=True, max_length=16)
    seeded_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class Identity(SQLModel, table=True):
    """A member's account on one platform and workspace/tenant.

    For Teams, ``conversation`` keeps the serialized conversation reference (with ``service_url`` and the
    tenant id) needed to message the person proactively after a restart.
    """

    __table_args__ = (UniqueConstraint("platform", "tenant", "user_id", name="uq_identity_account"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    tenant: str = Field(default="", max_length=128)
    user_id: str = Field(max_length=255)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    conversation: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class Skill(SQLModel, table=True):
    """A canonical skill; aliases and translations point to it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class SkillAlias(SQLModel, table=True):
    """A curated synonym of a skill (``snek`` for python), stored normalised; who added it and when.

    Ids are never reused (``AUTOINCREMENT`` on SQLite, a sequence on PostgreSQL): the vocabulary's
    version (``core.directory.vocabulary``) is the count and the highest id, so any addition or
    removal changes it.
    """

    __tablename__ = "skill_alias"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    alias: str = Field(unique=True, max_length=100)
    skill_id: int = Field(foreign_key="skill.id", index=True, ondelete="CASCADE")
    added_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    added_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class ExpertSkill(SQLModel, table=True):
    """A member's declared skill, level 1–3; ``referent`` marks the skill's referent."""

    __tablename__ = "expert_skill"
    # Search reads holders of a skill best level first without touching the table (covering index).
    __table_args__ = (Index("ix_expert_skill_skill_level", "skill_id", "level", "member_id"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    skill_id: int = Field(foreign_key="skill.id", primary_key=True, index=True, ondelete="CASCADE")
    level: int = Field(default=2, ge=1, le=3)
    referent: bool = False
    added_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class ExpertStatus(SQLModel, table=True):
    """An expert's availability: away (until a date, or until they come back)."""

    __tablename__ = "expert_status"

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    away: bool = False
    #: the instant they are back (midnight after ``away_through`` in their time zone), which routing compares
    away_until: datetime | None = Field(default=None, sa_column=when())
    #: the last day away, as its author meant it: shown as that day to readers in any time zone
    away_through: date | None = None
