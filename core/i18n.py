"""Message catalogs: every user-facing string, in English and French.

The catalogs are TOML files in ``prompts/messages/`` (package data, found after a normal install).
Nested tables flatten to dotted keys: ``[group] created = "…"`` is ``group.created``. Placeholders use
``str.format`` syntax; a missing parameter leaves the placeholder visible rather than raising.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LOCALES: tuple[str, ...] = ("en", "fr")
DEFAULT_LOCALE = "en"


def normalise_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map platform locales (``fr-FR``, ``fr_CA``, ``en-GB``) onto the catalogs we have."""
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


def t(locale: str, key: str, **params: Any) -> str:
    """Translate ``key`` into ``locale``, falling back to English, then to the key itself.

    Falling back keeps a missing translation from breaking a command; the catalog tests make sure
    none is missing in a release.
    """
    text = catalog(normalise_locale(locale)).get(key) or catalog(DEFAULT_LOCALE).get(key) or key
    try:
        return text.format_map(_KeepMissing(params))
    except (ValueError, IndexError, AttributeError):
        return text


class Translator:
    """A translator bound to one member's locale, passed to handlers as ``ctx.t``."""

    def __init__(self, locale: str) -> None:
        self.locale = normalise_locale(locale)

    def __call__(self, key: str, **params: Any) -> str:
        return t(self.locale, key, **params)
