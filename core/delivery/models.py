"""The outbox table: one row per message to send, written with the decision to send it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, when


class Delivery(SQLModel, table=True):
    """The outbox: one row per (source, purpose, target), claimed and sent by ``core.delivery.dispatcher``.

    ``source`` says what the message is about (``round:12``, ``route:7``, ``announcement:3``);
    ``purpose`` (``prompt``, ``reminder``, ``question.card``…) names the renderer that builds the
    message at send time, so a member who opts out or leaves after the row was written is not
    messaged. The unique constraint makes enqueueing idempotent: no member gets the same prompt of
    the same round twice, while a reminder is a row of its own. ``claimed_at``/``claimed_by``/
    ``claim_token`` are set when a dispatcher marks the row ``sending`` *before* calling the platform,
    so a crash leaves evidence that the lease-based recovery turns back into a retry.
    """

    __table_args__ = (
        UniqueConstraint("source", "purpose", "target_kind", "target_id", name="uq_delivery_target"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
        # a round's deliveries are looked up by (round, purpose, target) — was a prompt sent to this
        # member? — and deleted with their round: the constraint's index before sources existed
        Index("ix_delivery_round", "round_id", "purpose", "target_kind", "target_id"),
        # how many members a round's prompt was sent to (reports, the web console's lists), counted from
        # the index alone rather than from every delivery row
        Index("ix_delivery_round_sent", "round_id", "purpose", "target_kind", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: what the delivery comes from (``core.delivery.outbox.Source``): ``round:12``, ``route:7``…
    source: str = Field(max_length=64)
    #: the round of a campaign delivery (its prompt, reminder, summary), so deleting a round deletes them
    round_id: int | None = Field(default=None, foreign_key="round.id", ondelete="CASCADE")
    purpose: str = Field(default="prompt", max_length=32)
    target_kind: str = Field(max_length=8)
    target_id: str = Field(max_length=255)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    status: str = Field(default="pending", max_length=8, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_column=when(index=True))
    claimed_at: datetime | None = Field(default=None, sa_column=when())
    claimed_by: str | None = Field(default=None, max_length=64)
    #: a fresh value per claim: an outcome is written only while the row still holds the token of the
    #: claim that sent it, so a dispatcher whose lease ran out never overwrites a newer outcome
    claim_token: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=500)
    message_ref: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    sent_at: datetime | None = Field(default=None, sa_column=when())


class RateBucket(SQLModel, table=True):
    """A send pace shared by every dispatching process (``core.delivery.sharedpace``, PostgreSQL only):
    one row per platform and workspace/tenant (and per channel where channels are paced).

    Kept as the "theoretical arrival time" of the generic cell rate algorithm rather than a token
    count: ``ready_at`` is when the bucket would be full again if nobody sent meanwhile, on the
    database's clock (epoch seconds), so processes on hosts with skewed clocks still agree. A send
    takes ``1/rate`` seconds of it in one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement.
    """

    __tablename__ = "rate_bucket"

    #: ``platform/tenant`` or ``platform/tenant/channel``
    key: str = Field(primary_key=True)
    ready_at: float = 0.0
    #: the database's clock at the last send or pause (epoch seconds)
    seen_at: float = 0.0
