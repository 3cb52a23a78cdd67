"""The poll tables: a poll posted in one conversation, and one vote per member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, utcnow, when


class Poll(SQLModel, table=True):
    """A quick poll: its question and options (``options`` a JSON list of strings), where it was
    posted (``platform``, ``tenant``, ``conversation``, ``thread``: the conversation the command came
    from), its author, whether votes are anonymous, and when it closed.

    ``anonymity_salt`` keys the anonymous votes (``core.polls.votes``); ``update_due_at`` is when the
    last update of its message was (or is) due, the throttle's memory (``core.polls.updates``)."""

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(max_length=500)
    options: list[Any] = Field(default_factory=list, sa_column=json_column())
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    anonymous: bool = False
    anonymity_salt: str = Field(default="", max_length=64)
    locale: str = Field(default="en", max_length=8)
    platform: str = Field(max_length=16)
    tenant: str = Field(default="", max_length=255)
    conversation: str = Field(max_length=255)
    thread: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=when())
    update_due_at: datetime | None = Field(default=None, sa_column=when())


class PollVote(SQLModel, table=True):
    """One member's vote in one poll; voting again moves it.

    ``voter`` is the member id as text, or for an anonymous poll a hash keyed by the server secret
    (then ``member_id`` is empty, ``voted_at`` the poll's creation time and ``id`` random: nothing in
    the row says who voted or when). Closing an anonymous poll replaces the hashes by random values."""

    __tablename__ = "poll_vote"
    __table_args__ = (UniqueConstraint("poll_id", "voter", name="uq_poll_vote_voter"),)

    id: int | None = Field(default=None, primary_key=True,
                           sa_type=BigInteger().with_variant(Integer(), "sqlite"))
    poll_id: int = Field(foreign_key="poll.id", index=True, ondelete="CASCADE")
    voter: str = Field(max_length=128)
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    option: int
    voted_at: datetime = Field(sa_column=when(nullable=False))
