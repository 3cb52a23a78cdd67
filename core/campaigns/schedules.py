"""Campaign schedules: when rounds happen, in wall-clock time, and when each recipient gets them.

A schedule yields *wall-clock* occurrences (naive datetimes: "Monday 2026-03-30 09:30"). Each is then
placed in a time zone: the campaign's fixed zone, or each recipient's own, so 09:30 means 09:30 in
Paris and 09:30 in New York. Working on the wall clock and converting each occurrence separately with
``zoneinfo`` is what keeps daylight-saving changes harmless: the rule never sees an offset, so no
occurrence is skipped or doubled on the last Sunday of March or October (a time that does not exist
that day, 02:30 in spring, is read with the offset before the change, i.e. one hour later).

Recurrences are an RFC 5545 RRULE (python-dateutil), a 5-field cron expression (APScheduler's
``CronTrigger``, evaluated on the wall clock), a few words (``weekly``, ``hebdomadaire``…), or empty
for a single round. ``COUNT``/``UNTIL`` inside an RRULE become the campaign's count and end, so that
rounds skipped for weekends do not use up the count.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger
from dateutil.rrule import DAILY, rrule, rrulestr

from core.dates import parse_day
from core.errors import InvalidInput
from core.text import fold

#: the earliest and latest offsets on Earth: where "the same local time" happens first and last
EARLIEST = ZoneInfo("Etc/GMT-14")
LATEST = ZoneInfo("Etc/GMT+12")
#: how far ahead a rule must fire at least once, and how many candidates are examined to find out
HORIZON_DAYS = 3 * 366
MAX_CANDIDATES = 2000
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
WORDS: dict[str, str] = {
    "once": "", "une fois": "", "none": "", "aucune": "",
    "daily": "FREQ=DAILY", "quotidien": "FREQ=DAILY", "tous les jours": "FREQ=DAILY",
    "weekdays": "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "jours ouvres": "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY", "hebdomadaire": "FREQ=WEEKLY", "chaque semaine": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY", "mensuel": "FREQ=MONTHLY", "chaque mois": "FREQ=MONTHLY",
}


@dataclass(frozen=True)
class Schedule:
    """When a campaign's rounds happen.

    ``start`` is the wall-clock start (date and time of day); ``zone`` the fixed time zone, or
    ``None`` for each recipient's local time; ``until`` a wall-clock end; ``count`` the number of
    rounds actually held.
    """

    start: datetime
    recurrence: str = ""
    zone: str | None = None
    count: int | None = None
    until: datetime | None = None
    skip_weekends: bool = False


def zone(name: str | None) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name; an unknown name falls back to UTC (a member's stale data
    must not stop a round)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def check_zone(name: str) -> str:
    """An IANA zone name typed by a member, checked (case-insensitively)."""
    wanted = name.strip()
    if wanted in available_timezones():
        return wanted
    by_fold = {fold(known): known for known in available_timezones()}
    if fold(wanted) in by_fold:
        return by_fold[fold(wanted)]
    raise InvalidInput("campaign.bad_timezone", value=name)


def instant(wall: datetime, zone_name: str | ZoneInfo | None) -> datetime:
    """The UTC instant of a wall-clock time in a zone (``fold=0``: the first of two, or one hour
    later than a time that does not exist)."""
    tz = zone_name if isinstance(zone_name, ZoneInfo) else zone(zone_name)
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def wall_of(moment: datetime, zone_name: str | ZoneInfo | None) -> datetime:
    """The naive wall-clock time of an instant in a zone."""
    tz = zone_name if isinstance(zone_name, ZoneInfo) else zone(zone_name)
    return moment.astimezone(tz).replace(tzinfo=None)


def normalise(text: str) -> str:
    """A recurrence as stored: an RRULE (without the ``RRULE:`` prefix), a cron line, or ``""``."""
    text = " ".join(text.split())
    if fold(text) in WORDS:
        return WORDS[fold(text)]
    upper = text.upper().removeprefix("RRULE:")
    return upper if upper.startswith("FREQ=") else text


def is_cron(recurrence: str) -> bool:
    return bool(recurrence) and not recurrence.startswith("FREQ=")


def _feasible(rule: rrule) -> bool:
    """Whether the rule's month days exist in its months (``BYMONTH=2;BYMONTHDAY=30`` never does).

    dateutil would search such a rule until the year 9999, for seconds; this catches it at once.
    """
    months = rule._bymonth or tuple(range(1, 13))  # dateutil exposes no accessor
    days = [abs(day) for day in (*(rule._bymonthday or ()), *(rule._bynmonthday or ()))]
    longest = max(calendar.monthrange(2028, month)[1] for month in months)
    return all(day <= 31 for day in days) and (not days or min(days) <= longest)


def _parse_rrule(schedule: Schedule) -> tuple[rrule, Schedule]:
    try:
        rule = rrulestr(schedule.recurrence, dtstart=schedule.start)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise InvalidInput("campaign.bad_recurrence", value=schedule.recurrence) from error
    if not isinstance(rule, rrule) or rule._freq > DAILY:
        raise InvalidInput("campaign.too_frequent", value=schedule.recurrence)
    if not _feasible(rule):
        raise InvalidInput("campaign.never_fires", value=schedule.recurrence)
    count, until = rule._count, rule._until
    if until is not None and until.tzinfo is not None:
        until = wall_of(until, schedule.zone)
    schedule = replace(schedule, count=schedule.count or count, until=schedule.until or until)
    return rule.replace(count=None, until=None), schedule


def _weekday_names(field: str) -> str:
    """Standard crontab weekdays (0 or 7 = Sunday) as names: APScheduler 3 counts 0 as Monday."""
    names: list[str] = []
    for item in field.split(","):
        span, _, step = item.partition("/")
        if span == "*" and not step:
            return "*"
        if not all(part.isdigit() for part in span.replace("*", "0-6").split("-")):
            names.append(item)
            continue
        low, _, high = span.replace("*", "0-6").partition("-")
        numbers = range(int(low), int(high or (6 if step else low)) + 1, int(step or 1))
        names += [_DAYS[number % 7] for number in numbers if 0 <= number <= 7]
    return ",".join(dict.fromkeys(names)) or field


def _cron_walls(expression: str, start: datetime) -> Iterator[datetime]:
    fields = expression.split()
    try:
        if len(fields) != 5:
            raise ValueError(expression)
        minute, hour, day, month, weekday = fields
        trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                              day_of_week=_weekday_names(weekday), timezone=UTC)
    except ValueError as error:
        raise InvalidInput("campaign.bad_recurrence", value=expression) from error
    previous: datetime | None = None
    moment = start.replace(tzinfo=UTC)
    while (fire := trigger.get_next_fire_time(previous, moment)) is not None:
        yield fire.replace(tzinfo=None)
        previous, moment = fire, fire + timedelta(seconds=1)


def prepare(schedule: Schedule) -> tuple[Schedule, Iterator[datetime]]:
    """The schedule with COUNT/UNTIL moved out of its RRULE, and its raw wall-clock candidates."""
    if not schedule.recurrence:
        return schedule, iter([schedule.start])
    if is_cron(schedule.recurrence):
        return schedule, _cron_walls(schedule.recurrence, schedule.start)
    rule, schedule = _parse_rrule(schedule)
    return schedule, iter(rule)


def _guarded(candidates: Iterator[datetime]) -> Iterator[datetime]:
    """The candidates until the calendar runs out (year 9999), which dateutil reports as ValueError."""
    try:
        yield from candidates
    except (ValueError, OverflowError):
        return


def occurrences(schedule: Schedule) -> Iterator[tuple[int, datetime]]:
    """``(index, wall-clock time)`` of every round held, index from 1, weekends skipped if asked.

    Stops after ``MAX_CANDIDATES`` candidates in a row were skipped (a rule left with nothing to hold).
    """
    schedule, candidates = prepare(schedule)
    index = skipped = 0
    for wall in _guarded(candidates):
        if schedule.until is not None and wall > schedule.until:
            return
        if schedule.skip_weekends and wall.weekday() >= 5:
            skipped += 1
            if skipped > MAX_CANDIDATES:
                return
            continue
        skipped = 0
        index += 1
        yield index, wall
        if schedule.count is not None and index >= schedule.count:
            return


def occurrences_from(schedule: Schedule, index: int, wall: datetime) -> Iterator[tuple[int, datetime]]:
    """The occurrences from a known one on (``wall``, numbered ``index``), numbered as from the start.

    Restarting the rule at one of its own occurrences keeps its phase (weekday, day of month,
    interval), so a campaign running for years is not replayed from its first day at every run.
    """
    schedule, _ = prepare(schedule)
    remaining = schedule.count - index + 1 if schedule.count is not None else None
    if remaining is not None and remaining < 1:
        return
    rest = replace(schedule, start=wall, count=remaining)
    for number, found in occurrences(rest):
        yield index + number - 1, found


def first(schedule: Schedule) -> datetime | None:
    """The first round's wall-clock time, or ``None`` if none happens within the horizon."""
    horizon = schedule.start + timedelta(days=HORIZON_DAYS)
    schedule, candidates = prepare(schedule)
    for examined, wall in enumerate(candidates):
        if wall > horizon or examined >= MAX_CANDIDATES:
            return None
        if schedule.until is not None and wall > schedule.until:
            return None
        if not (schedule.skip_weekends and wall.weekday() >= 5):
            return wall
    return None


def earliest(wall: datetime, zone_name: str | None) -> datetime:
    """When a round's first recipient gets it: in the fixed zone, else where the day starts first."""
    return instant(wall, zone_name if zone_name else EARLIEST)


def latest(wall: datetime, zone_name: str | None) -> datetime:
    """When a round's last recipient gets it (same as ``earliest`` for a fixed zone)."""
    return instant(wall, zone_name if zone_name else LATEST)


def parse_clock(text: str) -> time:
    """``09:30``, ``9h30`` or ``9`` as a time of day."""
    cleaned = fold(text).replace("h", ":").strip().rstrip(":")
    hours, _, minutes = cleaned.partition(":")
    try:
        return time(int(hours), int(minutes or 0))
    except ValueError as exc:
        raise InvalidInput("campaign.bad_time", value=text) from exc


def parse_date(text: str, today: date | None = None) -> date:
    """``2026-03-09`` (ISO), ``09/03/2026`` (day first, as in French), ``10 janvier 2027``, ``next monday``:
    what ``core.dates`` reads, from ``today`` (the reader's own date; the server's, in UTC, when not
    given)."""
    found = parse_day(text, today or datetime.now(UTC).date()) if text.strip() else None
    if found is None:
        raise InvalidInput("campaign.bad_date", value=text)
    return found
