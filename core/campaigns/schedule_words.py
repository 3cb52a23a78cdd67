"""A campaign's recurrence in words, in the reader's language: ``FREQ=WEEKLY;BYDAY=TU,TH`` is "every week,
on Tuesday and Thursday" / "chaque semaine, les mardi et jeudi".

Covers what the form and the templates write (``FREQ`` daily to yearly, ``INTERVAL``, ``BYDAY`` with or
without an ordinal, ``BYMONTHDAY``); anything else (``BYSETPOS``, a cron line) is shown as written, quoted,
after the words it could say. Day names and lists come from Babel (CLDR), the rest from the catalogs
(``schedule.*``).
"""

from __future__ import annotations

from babel import Locale
from babel.lists import format_list

from core.i18n import Translator

_FREQ = {"DAILY": "schedule.days", "WEEKLY": "schedule.weeks", "MONTHLY": "schedule.months",
         "YEARLY": "schedule.years"}
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # Babel numbers the days from Monday = 0
_WEEKDAYS = frozenset(_DAYS[:5])
_KNOWN = frozenset(("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"))


def _parts(rule: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


def _day_name(locale: Locale, code: str) -> str:
    return str(locale.days["format"]["wide"][_DAYS.index(code)])


def _on_days(t: Translator, locale: Locale, byday: str) -> str | None:
    codes = [code.strip() for code in byday.split(",") if code.strip()]
    if set(codes) == _WEEKDAYS and len(codes) == 5:
        return t("schedule.on_weekdays")
    plain = [code for code in codes if code in _DAYS]
    if len(plain) == len(codes):
        names = format_list([_day_name(locale, code) for code in plain], locale=locale)
        return t.plural("schedule.on_days", len(plain), days=names)
    if len(codes) == 1 and codes[0][-2:] in _DAYS and codes[0][:-2].lstrip("+-").isdigit():
        nth = int(codes[0][:-2])
        if nth in (1, 2, 3, 4, -1):
            return t("schedule.on_nth", nth=t(f"schedule.nth_{'last' if nth == -1 else nth}"),
                     day=_day_name(locale, codes[0][-2:]))
    return None


def describe(recurrence: str, t: Translator) -> str:
    """The recurrence ``recurrence`` (as stored: an RRULE without its prefix, a cron line or empty) in
    ``t``'s language."""
    if not recurrence:
        return t("campaign.once")
    if not recurrence.startswith("FREQ="):
        return t("schedule.cron", rule=recurrence)
    parts = _parts(recurrence)
    key = _FREQ.get(parts.get("FREQ", ""))
    interval = parts.get("INTERVAL", "1")
    if key is None or not interval.isdigit():
        return t("schedule.as_written", rule=recurrence)
    locale = Locale.parse(t.locale)
    words = [t.plural(key, int(interval))]
    if "BYDAY" in parts and parts["FREQ"] == "DAILY" and interval == "1":
        words = []  # "on weekdays", not "every day, on weekdays"
    if "BYDAY" in parts:
        days = _on_days(t, locale, parts["BYDAY"])
        if days is None:
            return t("schedule.as_written", rule=recurrence)
        words.append(days)
    if "BYMONTHDAY" in parts:
        words.append(t("schedule.on_month_day", day=parts["BYMONTHDAY"]))
    if set(parts) - _KNOWN:
        words.append(t("schedule.as_written", rule=recurrence))
    return ", ".join(words)
