"""The report table: one message a member reported to the moderators, and what they decided."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.runtime.columns import utcnow, when

#: a report waits for a moderator, then holds what the first one decided
STATUSES = ("open", "dismissed", "removed", "warned")


class Report(SQLModel, table=True):
    """A reported message, named by its link and by what the link says (platform, workspace or
    tenant, conversation, message id); ``delivery_id`` is the outbox row that posted it when Parvis
    did (so *Remove* can delete it), ``author_id`` its author when known (for *Warn author*)."""

    __tablename__ = "moderation_report"

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    link: str = Field(max_length=1000)
    platform: str = Field(max_length=16)
    tenant: str = Field(default="", max_length=255)
    conversation: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    reason: str = Field(default="", max_length=1000)
    delivery_id: int | None = Field(default=None, foreign_key="delivery.id", ondelete="SET NULL")
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    status: str = Field(default="open", max_length=16, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=when())
    decided_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
