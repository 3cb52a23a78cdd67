"""The answer timeout counted in an expert's working hours: the pure arithmetic, and the config path."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.config import load_config
from core.experts.working_hours import WEEKEND, working_deadline

PARIS = ZoneInfo("Europe/Paris")
OFFICE = (time(9), time(18))


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def due(start: datetime, minutes: int = 240, zone: str = "Europe/Paris",
        hours: tuple[time, time] | None = OFFICE) -> datetime:
    """The deadline as a wall-clock time in ``zone`` (what an expert there reads)."""
    found = working_deadline(start, minutes, hours, zone)
    assert found.tzinfo is not None and found.utcoffset() == timedelta(0), "deadlines are stored in UTC"
    return found.astimezone(ZoneInfo(zone))


@pytest.mark.parametrize(("start", "minutes", "expected"), [
    (paris(2026, 11, 27, 17), 240, paris(2026, 11, 30, 12)),   # Friday 17:00 → Monday 12:00
    (paris(2026, 11, 24, 10), 240, paris(2026, 11, 24, 14)),   # inside the window: plain hours
    (paris(2026, 11, 24, 14), 240, paris(2026, 11, 24, 18)),   # ends exactly at closing time
    (paris(2026, 11, 24, 7, 30), 240, paris(2026, 11, 24, 13)),  # before opening: waits for 09:00
    (paris(2026, 11, 24, 19), 240, paris(2026, 11, 25, 13)),   # after closing: the next morning
    (paris(2026, 11, 28, 11), 240, paris(2026, 11, 30, 13)),   # Saturday: Monday
    (paris(2026, 11, 23, 9), 5 * 9 * 60, paris(2026, 11, 27, 18)),  # a whole working week
    (paris(2026, 11, 23, 9), 5 * 9 * 60 + 60, paris(2026, 11, 30, 10)),  # and one hour more
])
def test_working_time_skips_nights_and_weekends(start: datetime, minutes: int, expected: datetime) -> None:
    assert due(start, minutes) == expected


def test_without_working_hours_the_timeout_is_plain_time() -> None:
    start = paris(2026, 11, 27, 17)
    assert due(start, hours=None) == paris(2026, 11, 27, 21)
    assert working_deadline(start, 240, None, "Europe/Paris") == start + timedelta(hours=4)


def test_the_expert_s_own_zone_decides() -> None:
    """The same instant is Friday evening in Paris but Friday noon in Montréal."""
    start = paris(2026, 11, 27, 17)  # 11:00 in Toronto
    toronto = ZoneInfo("America/Toronto")
    assert due(start, zone="America/Toronto") == datetime(2026, 11, 27, 15, tzinfo=toronto)
    unknown = working_deadline(start, 240, OFFICE, "Not/AZone")
    assert unknown == datetime(2026, 11, 30, 11, tzinfo=UTC), "an unknown zone counts as UTC"


def test_summer_time_starting_over_the_weekend_keeps_wall_clock_hours() -> None:
    """Paris moves to summer time on Sunday 29 March 2026: Monday's 12:00 is 10:00 UTC, not 11:00."""
    found = due(paris(2026, 3, 27, 17))
    assert found == paris(2026, 3, 30, 12) and found.utcoffset() == timedelta(hours=2)
    assert working_deadline(paris(2026, 3, 27, 17), 240, OFFICE, "Europe/Paris") == datetime(
        2026, 3, 30, 10, tzinfo=UTC)


def test_summer_time_ending_over_the_weekend_keeps_wall_clock_hours() -> None:
    found = due(paris(2026, 10, 23, 17))
    assert found == paris(2026, 10, 26, 12) and found.utcoffset() == timedelta(hours=1)
    assert working_deadline(paris(2026, 10, 23, 17), 240, OFFICE, "Europe/Paris") == datetime(
        2026, 10, 26, 11, tzinfo=UTC)


def test_a_change_of_time_inside_the_window_counts_the_real_time() -> None:
    """Cairo moves to summer time on Friday 24 April 2026 at midnight: that day's 00:00–06:00 window
    lasts 5 real hours, so 6 hours of work end on Monday at 01:00."""
    cairo = ZoneInfo("Africa/Cairo")
    start = datetime(2026, 4, 23, 23, 0, tzinfo=cairo)
    assert due(start, 360, "Africa/Cairo", (time(0), time(6))) == datetime(2026, 4, 27, 1, tzinfo=cairo)


def _worked_minutes(start: datetime, end: datetime, zone: ZoneInfo, hours: tuple[time, time]) -> int:
    """Brute force: the minutes between ``start`` and ``end`` whose local time is working time."""
    count, moment = 0, start
    while moment < end:
        local = moment.astimezone(zone)
        if local.weekday() not in WEEKEND and hours[0] <= local.time() < hours[1]:
            count += 1
        moment += timedelta(minutes=1)
    return count


@settings(max_examples=60, deadline=None)
@given(start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                          timezones=st.just(UTC)).map(lambda d: d.replace(second=0, microsecond=0)),
       minutes=st.integers(min_value=1, max_value=1200),
       zone=st.sampled_from(["Europe/Paris", "America/Toronto", "Asia/Tokyo", "Australia/Sydney"]),
       opens=st.integers(min_value=0, max_value=12), length=st.integers(min_value=1, max_value=11))
def test_the_deadline_leaves_exactly_the_working_minutes(start: datetime, minutes: int, zone: str,
                                                         opens: int, length: int) -> None:
    """Whatever the start, zone and window, the minutes of working time counted one by one between
    the start and the deadline are the timeout, and the deadline is never earlier than plain time."""
    hours = (time(opens), time(opens + length))
    found = working_deadline(start, minutes, hours, zone)
    assert found >= start + timedelta(minutes=minutes)
    assert _worked_minutes(start, found, ZoneInfo(zone), hours) == minutes


def test_the_configuration_reaches_the_core(tmp_path: Path) -> None:
    path = tmp_path / "parvis.toml"
    path.write_text('[experts]\nanswer_timeout_minutes = 120\nworking_hours = "08:30-17:00"\n')
    settings_ = load_config(path, env={}).settings().experts
    assert settings_.working_hours == (time(8, 30), time(17)) and settings_.answer_timeout_minutes == 120
    assert load_config(env={}, cwd=tmp_path / "elsewhere").settings().experts.working_hours is None
