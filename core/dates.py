"""Dates typed by people, and dates and numbers shown to them, in their language.

Reading: ``dateparser`` (English and French, day before month, the future preferred) reads what people
type — ``2026-12-24``, ``24/12``, ``friday``, ``next friday``, ``vendredi prochain``,
``jusqu'au 10 janvier``, ``tomorrow``/``demain`` — instead of rules written by hand. Showing: Babel formats a
day (``6 March 2026``, ``6 mars 2026``) and a number (``1,234``, ``1 234``) in the reader's locale.

A day is a calendar date, not an instant: "away until the 5th" means the 5th wherever the reader is.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from core.i18n import format_wall, normalise_locale

#: the words before a date that say "until" or "on" (they add nothing to the day)
_LEAD = re.compile(r"^(?:until|till|til|to|on|by|jusqu'?au|jusqu'?à|jusqu'?a|jusqu'?aux|au|le|la|d'ici)\s+",
                   re.IGNORECASE)
#: "vendredi prochain" is "vendredi" read in the future (dateparser reads "next friday", not this)
_NEXT_FR = re.compile(r"\s+prochaine?$|^prochaine?\s+", re.IGNORECASE)
_LANGUAGES = ["en", "fr"]
#: what a browser's date field sends (and what people often type): read as ISO without dateparser,
#: whose first parse in a process compiles its patterns (~0.5 s) and each later one costs milliseconds
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _read(text: str, today: date) -> date | None:
    """dateparser, imported on first use: it loads its language data then, which a process that never
    reads a typed date (most CLI commands) need not pay."""
    import dateparser

    settings: Any = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY",
                     "RELATIVE_BASE": datetime.combine(today, time(12))}
    found = dateparser.parse(text, languages=_LANGUAGES, settings=settings)
    return found.date() if found is not None else None


def parse_day(text: str, today: date) -> date | None:
    """The day ``text`` names, read from ``today`` (the reader's today, in their time zone); None if it
    names no day. Leading "until"/"jusqu'au" words are skipped; an apostrophe may be typographic."""
    cleaned = text.strip().rstrip(".").replace("’", "'")
    while (shorter := _LEAD.sub("", cleaned, count=1)) != cleaned:
        cleaned = shorter
    if not cleaned:
        return None
    if _ISO_DAY.fullmatch(cleaned):  # dateparser's own reading of it: that day, or none (2026-02-30)
        try:
            return date.fromisoformat(cleaned)
        except ValueError:
            return None
    for candidate in dict.fromkeys((cleaned, _NEXT_FR.sub("", cleaned))):
        if (day := _read(candidate, today)) is not None:
            return day
    return None


def format_day(locale: str, day: date) -> str:
    """``6 March 2026`` / ``6 mars 2026``: a day as its reader's language writes it."""
    return _written_day(locale, day if type(day) is date else date(day.year, day.month, day.day))


@lru_cache(maxsize=4096)
def _written_day(locale: str, day: date) -> str:
    """Kept: Babel takes about 100 us to write a day, and ``group info`` writes one on every run (the
    same few days, in one or two languages)."""
    return format_date(day, format="long", locale=_babel(locale))


def format_short_day(locale: str, day: date) -> str:
    """``Mar 9`` / ``9 mars``: a day without its year, for a chart's axis."""
    return format_skeleton("MMMd", day, locale=_babel(locale))


def format_moment(locale: str, moment: datetime, zone: str | ZoneInfo | None = None) -> str:
    """``March 9, 2026, 9:00 AM`` / ``9 mars 2026, 09:00``: an instant as its reader's language writes it,
    on the reader's clock. An aware ``moment`` is first moved into ``zone`` (UTC when the zone is unknown,
    which is also how the server keeps time); a naive one is taken as already read off that clock."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(_zone(zone)).replace(tzinfo=None)
    return format_wall(locale, moment)


def day_of(moment: datetime, zone: str | ZoneInfo | None = None) -> date:
    """The calendar day an instant falls on in ``zone`` (a naive moment is already on that clock)."""
    return moment.astimezone(_zone(zone)).date() if moment.tzinfo is not None else moment.date()


def _zone(zone: str | ZoneInfo | None) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_number(locale: str, number: int | float) -> str:
    """``1,234`` / ``1 234``: a number as its reader's language writes it."""
    return format_decimal(number, locale=_babel(locale))


@cache
def _babel(locale: str) -> Locale:
    return Locale.parse(normalise_locale(locale))
