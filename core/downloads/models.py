"""A file kept a short while for a platform that fetches files by URL (Teams)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.runtime.columns import when


class Download(SQLModel, table=True):
    """A file that one URL may fetch once, until ``expires_at`` (``core.downloads.store``): a chart too
    large for a Teams card, a member's export of their data.

    ``token_hash`` is the SHA-256 of the URL's secret token: the database alone gives no working URL.
    ``member_id`` is the member the file is about (their export), so that erasing them deletes it too.
    In the database, not in memory, so that any process behind the load balancer can serve it."""

    __tablename__ = "download"

    token_hash: str = Field(primary_key=True, max_length=64)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(sa_column=when(nullable=False, index=True))
