"""Column helpers shared by every table: aware UTC datetimes and JSON, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Aware UTC now; only used for row defaults, services take their time from the Clock port."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes.

    SQLite keeps no time zone, PostgreSQL ``timestamptz`` does; without this the same query returns
    naive values on one and aware on the other, and comparisons with the clock break.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(*, nullable: bool = True, index: bool = False) -> Any:
    """A UTC datetime column."""
    return Column(UTCDateTime(), nullable=nullable, index=index)


def json_column() -> Any:
    """A JSON column (TEXT on SQLite, json on PostgreSQL)."""
    return Column(JSON, nullable=False)
