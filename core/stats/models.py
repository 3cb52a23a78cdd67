"""A chart kept a short while for a platform that shows pictures by URL (Teams)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from core.runtime.columns import when


class ChartImage(SQLModel, table=True):
    """A PNG that one URL may fetch once, until ``expires_at`` (``core.stats.images``).

    ``token_hash`` is the SHA-256 of the URL's secret token: the database alone gives no working URL.
    In the database, not in memory, so that any process behind the load balancer can serve it."""

    __tablename__ = "chart_image"

    token_hash: str = Field(primary_key=True, max_length=64)
    png: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    expires_at: datetime = Field(sa_column=when(nullable=False, index=True))
