"""Message catalogs: every user-facing string, in English and French.

The catalogs are TOML files in ``prompts/messages/`` (package data, found after a normal install).
Nested tables flatten to dotted keys: ``[group] created = "…"`` is ``group.created``. Placeholders use
``str.format`` syntax; a missing parameter leaves the placeholder visible rather than raising.

Messages are written in the neutral markup of ``core.markup`` (``**bold**``, ``_italics_``, code between
backquotes, ``[text](url)``), which each adapter renders for its platform. The values put into a message are
escaped first, so a name or a question is never read as markup; a value that is a message itself
(``Markup``, what ``t()`` returns) goes in as it is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal

from core import markup
from core.markup import Markup

LOCALES: tuple[str, ...] = ("en", "fr")
DEFAULT_LOCALE = "en"


def normalise_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map platform locales (``fr-FR``, ``fr_CA``, ``en-GB``) onto the catalogs we have."""
    if value in LOCALES:  # already one of ours: every message of a reply asks again
        return value
    if not value:
        return default
    short = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return short if short in LOCALES else default


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = str(value)
    return flat


@cache
def catalog(locale: str) -> dict[str, str]:
    """The flattened catalog of one locale, read once per process."""
    source = resources.files("prompts").joinpath("messages", f"{locale}.toml")
    return _flatten(tomllib.loads(source.read_text(encoding="utf-8")))


class _KeepMissing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(locale: str, key: str, **params: Any) -> Markup:
    """Translate ``key`` into ``locale``, falling back to English, then to the key itself; the
    result is neutral markup, with ``params`` escaped (``Markup`` values excepted).

    Falling back keeps a missing translation from breaking a command; the catalog tests make sure
    none is missing in a release.
    """
    text = _message(normalise_locale(locale), key)
    if not params:
        return _without_values(text)
    values = _KeepMissing({name: markup.escape_value(_shown(locale, item)) for name, item in params.items()})
    return _filled(text, values)


@lru_cache(maxsize=4096)
def _message(locale: str, key: str) -> str:
    """The catalog's text of ``key`` in ``locale``, else in English, else the key itself.

    Kept: a reply asks for tens of messages (``group list``: three or four per group listed), and the
    two lookups with their fallbacks were a third of ``t``'s time."""
    return catalog(locale).get(key) or catalog(DEFAULT_LOCALE).get(key) or key


@lru_cache(maxsize=4096)
def _without_values(text: str) -> Markup:
    """A message given no value, as ``_filled`` writes it (a ``{name}`` it expects stays as it is)."""
    return _filled(text, _KeepMissing())


def _filled(text: str, values: Mapping[str, Any]) -> Markup:
    try:
        return Markup(text.format_map(values))
    except (ValueError, IndexError, AttributeError):
        return Markup(text)


def _shown(locale: str, item: Any) -> Any:
    """A day or a wall-clock time given as a value is written the reader's way (an error raised before
    anyone's language is known carries the date itself, not a string)."""
    return format_wall(locale, item) if isinstance(item, date) else item


def format_wall(locale: str, moment: date) -> str:
    """``March 9, 2026`` / ``9 mars 2026`` for a day; ``March 9, 2026, 9:00 AM`` / ``9 mars 2026, 09:00``
    for a time read off a clock (an aware one is read in UTC: callers move it to the reader's zone)."""
    babel = _babel(locale)
    if not isinstance(moment, datetime):
        return format_date(moment, format="long", locale=babel)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    pattern = str(get_datetime_format("long", locale=babel)).replace("'", "")
    return (pattern.replace("{1}", format_date(moment, format="long", locale=babel))
            .replace("{0}", format_time(moment, format="short", locale=babel)))


@cache
def _babel(locale: str) -> Locale:
    return Locale.parse(normalise_locale(locale))


def plural_key(locale: str, key: str, count: int) -> str:
    """``key_one`` or ``key_many``, as the language's plural rules (CLDR, through Babel) choose for
    ``count``: French says "0 membre" and "1 membre", English "0 members" and "1 member". Catalogs keep
    the two keys; the rule of the language picks between them, not a ``count == 1`` in the code."""
    return f"{key}{_counted(locale, count)[0]}"


@lru_cache(maxsize=4096)
def _counted(locale: str, count: int) -> tuple[str, str]:
    """The plural key's suffix for ``count`` and ``count`` written the language's way.

    Why kept: Babel's number formatting takes about 50 us, and ``group list`` writes a count on each
    of its twenty lines (the same few counts, in one or two languages, all day long)."""
    suffix = "_one" if _babel(locale).plural_form(count) == "one" else "_many"
    return suffix, format_decimal(count, locale=_babel(locale))


def tp(locale: str, key: str, count: int, **params: Any) -> Markup:
    """``t`` of the plural form of ``key`` for ``count``, given as ``{count}`` written the language's way
    (``1,234``, ``1 234``)."""
    suffix, written = _counted(locale, count)
    return t(locale, f"{key}{suffix}", count=written, **params)


class Translator:
    """A translator bound to one member's locale, passed to handlers as ``ctx.t``.

    It gives neutral markup, for replies (adapters render it); ``plain=True`` gives plain text instead,
    for what is shown as it is: a terminal, a CSV or PNG report, a message on stderr.
    """

    def __init__(self, locale: str, *, plain: bool = False) -> None:
        self.locale = normalise_locale(locale)
        self.plain = plain

    def __call__(self, key: str, **params: Any) -> str:
        text = t(self.locale, key, **params)
        return markup.plain(text) if self.plain else text

    def day(self, value: date) -> str:
        """``March 9, 2026`` / ``9 mars 2026`` (a template's table cell, where no message wraps it)."""
        return format_wall(self.locale, value)

    def moment(self, value: datetime, zone: str | None = None) -> str:
        """An instant on the reader's clock (``zone``; UTC when unknown), the way their language writes it
        (a template's table cell, where no message wraps it)."""
        try:
            where = ZoneInfo(zone or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            where = ZoneInfo("UTC")
        shown = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return format_wall(self.locale, shown.astimezone(where).replace(tzinfo=None))

    def plural(self, key: str, count: int, **params: Any) -> str:
        """The form of ``key`` (``key_one``/``key_many``) the member's language uses for ``count``."""
        text = tp(self.locale, key, count, **params)
        return markup.plain(text) if self.plain else text
