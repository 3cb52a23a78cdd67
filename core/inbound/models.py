"""Inbound platform events already handled, so a platform's retries never do the work twice."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.runtime.columns import utcnow, when


class ProcessedEvent(SQLModel, table=True):
    """One inbound event (Slack ``event_id``…) claimed by the process that handles it.

    ``key`` is unique: the first insert claims the event, a retry's insert fails and is ignored. It
    lives in the database, not in memory, because Slack retries after 1 and 5 minutes, possibly
    to another process or after a restart.
    """

    __tablename__ = "processed_event"

    key: str = Field(primary_key=True, max_length=255)
    platform: str = Field(max_length=16)
    at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False, index=True))
