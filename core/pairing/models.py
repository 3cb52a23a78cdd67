"""Coffee pairing: a group's settings, who takes part, pauses, rounds, and the pairs with their outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, utcnow, when


class PairingSetup(SQLModel, table=True):
    """A group's pairing (``group pairing on|off``): its cadence, group size, whether to mix
    departments, and when its next round is due (``None`` while off)."""

    __tablename__ = "pairing_setup"

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    enabled: bool = True
    every_weeks: int = 2
    size: int = 2
    cross_department: bool = False
    next_round_at: datetime | None = Field(default=None, sa_column=when(index=True))
    updated_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class PairingParticipant(SQLModel, table=True):
    """A group member who opted in (``pairing join``); ``pairing leave`` deletes the row."""

    __tablename__ = "pairing_participant"

    group_id: int = Field(foreign_key="groups.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True, ondelete="CASCADE")
    joined_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class PairingPause(SQLModel, table=True):
    """A member who skips every pairing until a date (``pairing pause until <date>``)."""

    __tablename__ = "pairing_pause"

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    until: datetime = Field(sa_column=when(nullable=False))


class PairingRound(SQLModel, table=True):
    """One round of a group's pairing; ``(group_id, index)`` is unique, so a round made twice (a retry,
    two schedulers) exists once. ``remind_at`` is mid-round; ``reminded_at`` once reminders are queued."""

    __tablename__ = "pairing_round"
    __table_args__ = (UniqueConstraint("group_id", "index", name="uq_pairing_round"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True, ondelete="CASCADE")
    index: int
    started_at: datetime = Field(sa_column=when(nullable=False))
    remind_at: datetime = Field(sa_column=when(nullable=False, index=True))
    reminded_at: datetime | None = Field(default=None, sa_column=when())
    participants: int = 0


class Pairing(SQLModel, table=True):
    """Two or three people who meet in one round; ``outcome`` is ``met`` or ``missed`` once one of
    them answered (the last answer counts), with who answered and when."""

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pairing_round.id", index=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="groups.id", index=True, ondelete="CASCADE")
    members: list[int] = Field(default_factory=list, sa_column=json_column())
    outcome: str | None = Field(default=None, max_length=8)
    answered_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    answered_at: datetime | None = Field(default=None, sa_column=when())
