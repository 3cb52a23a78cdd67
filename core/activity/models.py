"""Who did what: adoption statistics and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, utcnow, when


class ActivityEvent(SQLModel, table=True):
    """One use of Parvis (a command, a click, an answer), for adoption statistics."""

    __tablename__ = "activity_event"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="SET NULL")
    kind: str = Field(max_length=64, index=True)
    platform: str = Field(default="", max_length=16)
    at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False, index=True))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


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
