"""Who did what: adoption statistics and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from core.runtime.columns import UTCDateTime, json_column, utcnow, when


class ActivityEvent(SQLModel, table=True):
    """One use of Parvis (a command, a click, an answer), for adoption statistics."""

    __tablename__ = "activity_event"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="SET NULL")
    kind: str = Field(max_length=64, index=True)
    platform: str = Field(default="", max_length=16)
    at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False, index=True))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class ActivityWeek(SQLModel, table=True):
    """That a member used Parvis on a platform during a week (from Monday 00:00 UTC): one row per
    member, week and platform, however many events.

    Why: adoption figures count distinct members per week (``core.stats``); read from the events that
    is every event of the period, read from here one row per active member and week, which stays fast
    at 100,000 members and a year of events. Written in the transaction that writes the events
    (``core.activity.weeks``), so the two never disagree. The primary key leads with the week (weekly
    counts read one range of it); ``ix_activity_week_member`` answers "was this member active since"."""

    __tablename__ = "activity_week"
    __table_args__ = (Index("ix_activity_week_member", "member_id", "week"),)

    week: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True, nullable=False))
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    platform: str = Field(default="", primary_key=True, max_length=16)


class AuditEntry(SQLModel, table=True):
    """An admin, moderation or role change, kept for accountability."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=255)
    at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class SearchMiss(SQLModel, table=True):
    """A search that found nobody (``expert find``, ``ask``): its words, folded, and how often.

    Anonymous by construction: no member, no time finer than the day (``core.directory.misses``).
    """

    __tablename__ = "search_miss"

    text: str = Field(primary_key=True, max_length=200)
    count: int = 1
    first_day: date
    last_day: date = Field(index=True)
