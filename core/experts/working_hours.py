"""Working-time arithmetic: when do "4 hours of an expert's working time" end?

The answer timeout of a routed question (``[experts] answer_timeout_minutes``) counts only the time the
expert works when ``[experts] working_hours`` is set: a daily window such as 09:00–18:00, Monday to
Friday, in the expert's own time zone. A question routed on Friday at 17:00 in Paris with 4 hours to
answer is due on Monday at 12:00 in Paris, not on Friday at 21:00 while everyone is home.

Pure functions over aware datetimes (no clock, no database), so the rule is tested on its own. Each
day's window is resolved in the zone (so it follows summer time), and the time counted inside a window
is the real time elapsed: a change of time inside a window (only possible with night hours) counts the
hour that really passed, not the one the wall clock skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.campaigns.schedules import instant, zone

#: Saturday and Sunday (``date.weekday()``): nobody's working time
WEEKEND: frozenset[int] = frozenset({5, 6})

WorkingHours = tuple[time, time]


def window(day: date, hours: WorkingHours, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """The UTC instants a working day opens and closes, or ``None`` on a weekend."""
    if day.weekday() in WEEKEND:
        return None
    return instant(datetime.combine(day, hours[0]), tz), instant(datetime.combine(day, hours[1]), tz)


def working_deadline(start: datetime, minutes: int, hours: WorkingHours | None,
                     zone_name: str | None) -> datetime:
    """The instant ``minutes`` of working time after ``start`` (aware), in UTC.

    Without working hours it is plain ``start + minutes``. Otherwise time counts only inside the
    working windows of the zone ``zone_name`` (an unknown zone counts as UTC): a start outside them
    waits for the next window to open.
    """
    if hours is None:
        return (start + timedelta(minutes=minutes)).astimezone(UTC)
    tz = zone(zone_name)
    remaining = timedelta(minutes=minutes)
    cursor = start.astimezone(UTC)
    day = start.astimezone(tz).date()
    # Every weekday window but a few odd ones on a change of time lasts at least a minute, so
    # ``minutes`` working days (7/5 as many calendar days) are always enough.
    for _ in range(2 * minutes + 14):
        bounds = window(day, hours, tz)
        if bounds is not None:
            opens, closes = bounds
            begin = max(cursor, opens)
            if begin < closes:
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        day += timedelta(days=1)
    raise ValueError(f"no working time in {hours!r} for {minutes} minutes")  # pragma: no cover
