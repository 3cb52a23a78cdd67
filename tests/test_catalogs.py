"""The message catalogs: English and French have the same keys, and every key the code uses exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.capabilities import build_registry
from core.i18n import LOCALES, catalog
from core.markup import plain

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("core", "adapters", "bots") for p in (ROOT / d).rglob("*.py")]
ERROR_CLASSES = {"ParvisError", "UsageError", "NotFound", "Forbidden", "Conflict", "InvalidInput"}
TRANSLATORS = {"t", "tr", "translate"}
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _literal_keys(tree: ast.AST) -> set[str]:
    """String literals passed as a catalog key: first argument of a translator or a domain error,
    and the ``usage=`` keyword."""
    keys: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        candidates: list[ast.expr] = []
        if name in TRANSLATORS and node.args:
            candidates.append(node.args[-1] if name == "t" and len(node.args) == 2 else node.args[0])
        if name in ERROR_CLASSES and node.args:
            candidates.append(node.args[0])
        candidates += [kw.value for kw in node.keywords if kw.arg == "usage"]
        for expr in candidates:
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str) and KEY.match(expr.value):
                keys.add(expr.value)
    return keys


def used_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SOURCES:
        for key in _literal_keys(ast.parse(path.read_text(encoding="utf-8"))):
            found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_every_locale_has_the_same_keys() -> None:
    reference = set(catalog("en"))
    for locale in LOCALES:
        keys = set(catalog(locale))
        assert not reference - keys, f"missing in {locale}.toml: {sorted(reference - keys)}"
        assert not keys - reference, f"only in {locale}.toml: {sorted(keys - reference)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_is_empty(locale: str) -> None:
    assert not [key for key, text in catalog(locale).items() if not text.strip()]


def test_every_key_used_in_code_exists() -> None:
    known = set(catalog("en"))
    missing = {key: where for key, where in used_keys().items() if key not in known}
    assert not missing, f"keys used in code but in no catalog: {missing}"


def test_the_scan_finds_keys() -> None:
    """Guards the guard: if the scan found nothing, the test above would pass vacuously."""
    assert {"errors.unknown_command", "lang.changed"} <= set(used_keys())


def test_every_command_has_usage_and_summary() -> None:
    known = set(catalog("en"))
    commands = build_registry().commands
    for cmd in commands.values():
        assert cmd.usage in known, cmd.name
        assert cmd.summary in known, cmd.name
    for area in build_registry().areas():
        assert f"help.area.{area}" in known
        if any(len(path) > 1 and path[0] == area for path in commands):
            assert f"usage_area.{area}" in known


def test_placeholders_agree_between_languages() -> None:
    field = re.compile(r"\{(\w+)\}")
    en, fr = catalog("en"), catalog("fr")
    for key, text in en.items():
        assert set(field.findall(text)) == set(field.findall(fr.get(key, ""))), key


#: Slack's own markup, which Teams and the console would show as it is: the catalogs use the neutral
#: markup of ``core.markup`` instead (``**bold**``, ``_italics_``, backquoted code, ``[text](url)``).
SLACK_ONLY = {
    "a Slack link <url|text>": re.compile(r"<(?:https?://|mailto:)[^>]*>"),
    "a Slack mention or channel <@…> <#…> <!…>": re.compile(r"<[@#!][^>]*>"),
    "Slack bold with single asterisks":
        re.compile(r"(?<![*\w\\])\*(?=[^\s*])[^*\n]*?(?<=[^\s*\\])\*(?![*\w])"),
    "Slack strikethrough": re.compile(r"(?<![~\w])~(?=\S)[^~\n]*?(?<=\S)~(?![~\w])"),
}


def slack_only(text: str) -> list[str]:
    return [name for name, pattern in SLACK_ONLY.items() if pattern.search(text)]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_message_uses_slack_only_markup(locale: str) -> None:
    found = {key: slack_only(text) for key, text in catalog(locale).items() if slack_only(text)}
    assert not found, f"Slack markup in {locale}.toml (use **bold**, [text](url)): {found}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_markup_of_every_message_is_closed(locale: str) -> None:
    """Read as plain text, no message shows a stray marker: every ``**`` and backquote is paired."""
    stray = {key: text for key, text in catalog(locale).items() if "**" in plain(text) or "`" in plain(text)}
    assert not stray


def test_the_markup_checks_catch_slack_markup() -> None:
    """Guards the guard: each kind of Slack markup is caught, the neutral markup is not."""
    assert slack_only("Welcome to *{name}*! <https://x.example|plan> <!channel> ~old~") == list(SLACK_ONLY)
    assert not slack_only("Welcome to **{name}**, `code`, [plan](https://x.example), cron 30 9 * * 1")
