"""Discussion campaigns, their prompts, rounds and answers (the outbox is ``core.delivery.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, utcnow, when

CAMPAIGN_STATUSES: tuple[str, ...] = ("draft", "scheduled", "running", "paused", "closed")
DELIVERY_STATUSES: tuple[str, ...] = ("pending", "sending", "sent", "failed", "skipped")
PROMPT_KINDS: tuple[str, ...] = ("text", "choice", "scale")


class Campaign(SQLModel, table=True):
    """A series of prompts an animator schedules to groups or channels.

    ``audience`` holds ``{"groups": [ids], "channels": [refs], "mode": "direct"|"channel"}``;
    ``timezone`` empty means each recipient's own local time. ``language`` is the language of
    ``title`` and ``description``; ``texts`` holds the other languages it was given
    (``core.campaigns.languages``). ``anonymity_salt`` keys the hash that
    stands for the respondent of an anonymous campaign (``core.campaigns.answers``).
    """

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    language: str = Field(default="en", max_length=8)
    texts: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    template: str | None = Field(default=None, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    starts_at: datetime | None = Field(default=None, sa_column=when())
    recurrence: str = Field(default="", max_length=500)
    ends_at: datetime | None = Field(default=None, sa_column=when())
    count: int | None = None
    timezone: str = Field(default="", max_length=64)
    local_time: str = Field(default="09:30", max_length=5)
    skip_weekends: bool = True
    skip_holidays: bool = False
    reminders: int = 1
    reminder_after_minutes: int | None = 1440
    close_after_minutes: int = 4320
    anonymous: bool = False
    summary_to_channels: bool = False
    anonymity_salt: str = Field(default="", max_length=64)
    status: str = Field(default="draft", max_length=10, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class CampaignShare(SQLModel, table=True):
    """An animator the campaign's creator (or another of its managers) shared it with: they manage it
    as the creator does (``campaign share``; who may do what is ``core.access.table``)."""

    __tablename__ = "campaign_share"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, index=True, ondelete="CASCADE")
    shared_by: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    shared_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class CampaignPrompt(SQLModel, table=True):
    """One question of a campaign, in order; ``texts`` its other languages (``{"fr": {"text": …,
    "options": […]}}``, ``core.campaigns.languages``)."""

    __tablename__ = "campaign_prompt"
    __table_args__ = (UniqueConstraint("campaign_id", "position", name="uq_prompt_position"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    position: int
    kind: str = Field(default="text", max_length=8)
    text: str = Field(max_length=2000)
    options: list[str] = Field(default_factory=list, sa_column=json_column())
    texts: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class Round(SQLModel, table=True):
    """One occurrence of a campaign: ``wall`` is its wall-clock time (``2026-03-09T09:30``), ``due_at``
    when its first recipient gets it, ``closes_at`` when answers stop being accepted."""

    __tablename__ = "round"
    __table_args__ = (UniqueConstraint("campaign_id", "index", name="uq_round_index"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    index: int
    due_at: datetime = Field(sa_column=when(nullable=False))
    wall: str = Field(default="", max_length=16)
    closes_at: datetime | None = Field(default=None, sa_column=when(index=True))
    closed_at: datetime | None = Field(default=None, sa_column=when())


class Response(SQLModel, table=True):
    """An answer to a prompt; answering again edits it.

    ``respondent`` is the member id, or for anonymous campaigns a hash keyed by the server secret that
    lets the member edit their answer but lets neither a report nor the database alone link it back to
    them; ``member_id`` is then empty (``core.campaigns.answers``). ``id`` is random (64-bit), so that
    the order of ids is not the order answers came in. ``question_id`` is the expert question a text
    answer was turned into (never for anonymous ones).
    """

    __table_args__ = (
        UniqueConstraint("round_id", "prompt_id", "respondent", name="uq_response_respondent"),
        # a round's respondents, counted distinct from the index alone (reports, stats, the web console);
        # it also serves every look-up of a round's answers
        Index("ix_response_round_respondent", "round_id", "respondent"),
    )

    id: int | None = Field(default=None, primary_key=True,
                           sa_type=BigInteger().with_variant(Integer(), "sqlite"))
    round_id: int = Field(foreign_key="round.id", ondelete="CASCADE")
    prompt_id: int = Field(foreign_key="campaign_prompt.id", ondelete="CASCADE")
    respondent: str = Field(max_length=128)
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    text: str | None = Field(default=None, max_length=4000)
    choice: str | None = Field(default=None, max_length=200)
    scale: int | None = None
    question_id: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")
    answered_at: datetime = Field(sa_column=when(nullable=False))
