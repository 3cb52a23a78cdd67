"""The weekly roll-up of activity events (``ActivityWeek``), written with the events themselves.

Every writer of ``ActivityEvent`` rows (the batched ``core.runtime.activity_log``, for every command)
calls ``record`` in the same transaction, so the roll-up
says exactly what the events say: member ``m`` was active on platform ``p`` in the week starting on
Monday ``w`` (UTC). Inserting a row that exists already is a no-op (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from core.activity.models import ActivityWeek
from core.runtime.db import UnitOfWork

_TABLE = ActivityWeek.__table__  # type: ignore[attr-defined]


def week_of(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week ``moment`` falls in."""
    day = moment.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(), tzinfo=UTC)


def week_rows(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The distinct ``(week, member_id, platform)`` rows of ``events`` (``ActivityEvent`` values);
    events of no member (erased since) count for nobody."""
    seen: dict[tuple[datetime, int, str], None] = {}
    for event in events:
        if event.get("member_id") is not None:
            seen[(week_of(event["at"]), int(event["member_id"]), str(event.get("platform") or ""))] = None
    return [{"week": week, "member_id": member, "platform": platform} for week, member, platform in seen]


async def record(uow: UnitOfWork, events: Iterable[Mapping[str, Any]]) -> None:
    """Add the weeks of ``events`` to the roll-up, in ``uow``'s transaction."""
    rows = week_rows(events)
    if not rows:
        return
    dialect = postgresql if uow.dialect == "postgresql" else sqlite
    statement = dialect.insert(_TABLE).on_conflict_do_nothing()
    await uow.session.exec(statement, params=rows)
