"""Schedules: RRULE and cron on the wall clock, per-recipient zones, DST, weekends, holidays, bad rules."""

from __future__ import annotations

import time as timer
from datetime import UTC, date, datetime, timedelta

import pytest

from core.campaigns import schedules
from core.campaigns.calendars import country_of, is_holiday
from core.campaigns.schedules import Schedule, first, instant, normalise, occurrences
from core.errors import InvalidInput


def walls(schedule: Schedule, count: int = 10) -> list[datetime]:
    found = []
    for _index, wall in occurrences(schedule):
        found.append(wall)
        if len(found) >= count:
            break
    return found


def test_weekly_on_monday_same_local_time_in_paris_and_new_york() -> None:
    schedule = Schedule(datetime(2026, 3, 2, 9, 30), "FREQ=WEEKLY;BYDAY=MO", count=3)
    mondays = walls(schedule)
    assert mondays == [datetime(2026, 3, d, 9, 30) for d in (2, 9, 16)]
    paris = [instant(w, "Europe/Paris").strftime("%d %H:%M") for w in mondays]
    new_york = [instant(w, "America/New_York").strftime("%d %H:%M") for w in mondays]
    assert paris == ["02 08:30", "09 08:30", "16 08:30"]
    assert new_york == ["02 14:30", "09 13:30", "16 13:30"]   # US summer time starts on 8 March


@pytest.mark.parametrize(("zone", "day"), [("Europe/Paris", 29), ("Europe/Paris", 25), ("Europe/London", 29),
                                           ("America/New_York", 8)])
@pytest.mark.parametrize("local", ["09:30", "02:30", "01:30"])
def test_daily_rounds_across_dst_are_never_skipped_nor_doubled(zone: str, day: int, local: str) -> None:
    month = 10 if day == 25 else 3
    hour, minute = (int(part) for part in local.split(":"))
    start = datetime(2026, month, day - 3, hour, minute)
    moments = [instant(w, zone) for w in walls(Schedule(start, "FREQ=DAILY", count=7))]
    assert len(moments) == len(set(moments)) == 7
    assert [m.astimezone(schedules.zone(zone)).date() for m in moments] == [
        (start + timedelta(days=n)).date() for n in range(7)]
    gaps = {b - a for a, b in zip(moments, moments[1:], strict=False)}
    assert gaps <= {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}


def test_weekly_round_on_the_last_sunday_of_march_and_october_in_paris() -> None:
    sundays = walls(Schedule(datetime(2026, 3, 22, 9, 30), "FREQ=WEEKLY;BYDAY=SU"), 32)
    local = [instant(w, "Europe/Paris").astimezone(schedules.zone("Europe/Paris")) for w in sundays]
    assert all(moment.strftime("%H:%M") == "09:30" for moment in local)
    assert date(2026, 3, 29) in {m.date() for m in local} and date(2026, 10, 25) in {m.date() for m in local}


def test_cron_uses_the_standard_weekday_numbers() -> None:
    found = walls(Schedule(datetime(2026, 3, 2, 0, 0), "30 9 * * 1,5"), 4)
    assert [w.strftime("%a %H:%M") for w in found] == ["Mon 09:30", "Fri 09:30"] * 2
    assert walls(Schedule(datetime(2026, 3, 2), "0 9 * * 0"), 1)[0].strftime("%a") == "Sun"
    with pytest.raises(InvalidInput):
        walls(Schedule(datetime(2026, 3, 2), "61 9 * * *"), 1)


def test_skip_weekends_does_not_use_up_the_count() -> None:
    schedule = Schedule(datetime(2026, 3, 6, 9, 30), "FREQ=DAILY;COUNT=5", skip_weekends=True)
    assert [w.day for w in walls(schedule)] == [6, 9, 10, 11, 12]


def test_until_and_words() -> None:
    assert normalise("weekly") == "FREQ=WEEKLY" and normalise("hebdomadaire") == "FREQ=WEEKLY"
    assert normalise("RRULE:freq=daily") == "FREQ=DAILY" and normalise("une fois") == ""
    until = Schedule(datetime(2026, 3, 2, 9, 30), "FREQ=WEEKLY", until=datetime(2026, 3, 20))
    assert len(walls(until)) == 3
    assert walls(Schedule(datetime(2026, 3, 2, 9, 30))) == [datetime(2026, 3, 2, 9, 30)]


@pytest.mark.parametrize("rule", ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
                                  "FREQ=WEEKLY;UNTIL=20200101T000000"])
def test_rules_that_never_fire_are_found_quickly(rule: str) -> None:
    started = timer.perf_counter()
    with pytest.raises(InvalidInput) if "BYMONTHDAY" in rule else _no_error():
        assert first(Schedule(datetime(2026, 3, 2, 9, 30), rule)) is None
    assert timer.perf_counter() - started < 0.5


def test_weekend_only_rule_with_weekends_skipped_never_fires() -> None:
    schedule = Schedule(datetime(2026, 3, 2, 9, 30), "FREQ=WEEKLY;BYDAY=SA,SU", skip_weekends=True)
    assert first(schedule) is None
    started = timer.perf_counter()
    assert list(occurrences(schedule)) == []       # ends instead of searching until the year 9999
    assert timer.perf_counter() - started < 0.5


def test_holidays_by_country_of_the_time_zone() -> None:
    assert country_of("Europe/Paris") == "FR" and country_of("America/New_York") == "US"
    assert country_of("UTC") is None
    assert is_holiday(date(2026, 7, 14), "FR") and not is_holiday(date(2026, 7, 14), "US")
    assert is_holiday(date(2026, 7, 4), "US") or is_holiday(date(2026, 7, 3), "US")
    assert not is_holiday(date(2026, 7, 14), None)


def test_time_and_date_parsing() -> None:
    assert schedules.parse_clock("9h30").strftime("%H:%M") == "09:30"
    assert schedules.parse_date("09/03/2026") == date(2026, 3, 9)
    assert schedules.parse_date("10 janvier 2027") == date(2027, 1, 10)
    assert schedules.parse_date("next monday", today=date(2026, 3, 4)) == date(2026, 3, 9)
    assert schedules.check_zone("europe/paris") == "Europe/Paris"
    for bad in (lambda: schedules.parse_clock("25:00"), lambda: schedules.parse_date("2026-02-30"),
                lambda: schedules.parse_date(""), lambda: schedules.parse_date("someday"),
                lambda: schedules.check_zone("Mars/Olympus")):
        with pytest.raises(InvalidInput):
            bad()
    assert instant(datetime(2026, 1, 1), "Not/AZone") == datetime(2026, 1, 1, tzinfo=UTC)


class _no_error:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;BYDAY=TU,TH;INTERVAL=2", "FREQ=MONTHLY;INTERVAL=3;BYDAY=1MO",
                                  "FREQ=MONTHLY", "FREQ=DAILY;COUNT=9", "30 9 * * 1-5", "FREQ=WEEKLY"])
@pytest.mark.parametrize("skip", [False, True])
def test_restarting_from_a_known_round_continues_the_same_series(rule: str, skip: bool) -> None:
    from itertools import islice

    from core.campaigns.schedules import occurrences_from

    schedule = Schedule(datetime(2026, 1, 29, 9, 30), rule, skip_weekends=skip)
    series = list(islice(occurrences(schedule), 12))
    assert len(series) == (9 if "COUNT" in rule else 12)
    for index, wall in series[:6]:
        resumed = list(islice(occurrences_from(schedule, index, wall), len(series) - index + 1))
        assert resumed == series[index - 1:]
