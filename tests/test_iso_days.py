"""A day written as ISO (what a browser's date field sends) is read without dateparser, whose first
parse in a process costs about half a second (the web console's campaign preview paid it), and as
dateparser reads it."""

from __future__ import annotations

from datetime import date

import pytest

from core import dates
from core.dates import parse_day


@pytest.mark.parametrize(("text", "expected"), [
    ("2030-03-04", date(2030, 3, 4)), ("until 2027-01-05", date(2027, 1, 5)), ("2026-02-30", None),
])
def test_an_iso_day_is_read_without_dateparser(text: str, expected: date | None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert dates._read(text.removeprefix("until "), date(2026, 3, 2)) == expected, "dateparser agrees"

    def refused(*_: object) -> None:
        raise AssertionError("dateparser was asked")

    monkeypatch.setattr(dates, "_read", refused)
    assert parse_day(text, date(2026, 3, 2)) == expected
