"""Public holidays by country, and the country of a time zone, for "skip public holidays".

The directory has no country column: a member's country is derived from their IANA time zone through
the tz database's own ``zone.tab`` (``Europe/Paris`` → ``FR``), and the ``holidays`` package knows
each country's public holidays. A zone with no country (``UTC``) or a country the package does not
cover has no holidays, so nobody is skipped by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources

import holidays
from sqlmodel import col, select

from core.directory.models import Member
from core.runtime.db import Database


@cache
def _zone_countries() -> dict[str, str]:
    """IANA zone → ISO country code, from the tz database's own ``zone.tab``."""
    table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, name, *_ = line.split("\t")
            found[name] = code
    return found


def country_of(zone_name: str | None) -> str | None:
    """The country a time zone belongs to (``Europe/Paris`` → ``FR``), ``None`` for UTC and the like."""
    return _zone_countries().get(zone_name or "")


@cache
def _holidays(country: str, year: int) -> holidays.HolidayBase | None:
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return None


def is_holiday(day: date, country: str | None) -> bool:
    """Whether ``day`` is a public holiday in ``country`` (unknown countries have none)."""
    if country is None:
        return False
    calendar_ = _holidays(country, day.year)
    return calendar_ is not None and day in calendar_


def preload(zones: Iterable[str | None], years: Iterable[int]) -> list[str]:
    """Load now the public holidays of the countries of ``zones`` for ``years``: the package's first
    calendar costs about 200 ms of data loading, which a member's first preview or the first round
    placed would otherwise pay. Returns the countries loaded."""
    countries = sorted({country for country in map(country_of, zones) if country is not None})
    for country in countries:
        for year in years:
            _holidays(country, year)
    return countries


async def member_zones(db: Database) -> list[str]:
    """The time zones members live in (each once), whose countries' holidays rounds may skip."""
    async with db.uow() as uow:
        found = await uow.session.exec(select(Member.timezone).where(col(Member.erased_at).is_(None))
                                       .distinct())
        return [zone for zone in found.all() if zone]
