"""Ready-made campaign templates: ``prompts/campaigns/*.toml``, read as package data.

A template is data, not code: a title, a description, a default schedule and ordered prompts, every
text in English and French (``title = { en = "…", fr = "…" }``). The file name is the template's key
(``campaign new weekly-learning``). Templates are checked when read, so a broken file is reported by
name instead of producing a half-made campaign.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from core.campaigns.models import PROMPT_KINDS
from core.errors import NotFound, OperatorError
from core.i18n import LOCALES, normalise_locale
from core.text import fold, slugify

SCALE = ("1", "2", "3", "4", "5")


class TemplateError(OperatorError):
    """A template file is malformed; the message names the file and the field."""


@dataclass(frozen=True)
class TemplatePrompt:
    """One prompt of a template, in every language."""

    kind: str
    text: dict[str, str]
    options: dict[str, tuple[str, ...]]

    def text_in(self, locale: str) -> str:
        return self.text[normalise_locale(locale)]

    def options_in(self, locale: str) -> tuple[str, ...]:
        return self.options.get(normalise_locale(locale), ())


@dataclass(frozen=True)
class Template:
    """A campaign template: texts by locale, default schedule, prompts."""

    key: str
    title: dict[str, str]
    description: dict[str, str]
    schedule: dict[str, Any]
    prompts: tuple[TemplatePrompt, ...]

    def title_in(self, locale: str) -> str:
        return self.title[normalise_locale(locale)]

    def description_in(self, locale: str) -> str:
        return self.description[normalise_locale(locale)]


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not isinstance(value.get(loc), str) or not value[loc].strip()
                                          for loc in LOCALES):
        raise TemplateError(f"{where}: needs a text for each of {', '.join(LOCALES)}")
    return {loc: value[loc].strip() for loc in LOCALES}


def _options(value: Any, kind: str, where: str) -> dict[str, tuple[str, ...]]:
    if kind != "choice":
        return {}
    if not isinstance(value, dict):
        raise TemplateError(f"{where}.options: a choice needs options in each language")
    options = {loc: tuple(str(option) for option in value.get(loc, ())) for loc in LOCALES}
    counts = {len(found) for found in options.values()}
    if len(counts) != 1 or counts.pop() < 2:
        raise TemplateError(f"{where}.options: at least two options, as many in each language")
    return options


def _prompt(raw: Any, where: str) -> TemplatePrompt:
    kind = raw.get("kind", "text") if isinstance(raw, dict) else None
    if kind not in PROMPT_KINDS:
        raise TemplateError(f"{where}.kind: one of {', '.join(PROMPT_KINDS)}")
    return TemplatePrompt(kind, _texts(raw.get("text"), f"{where}.text"),
                          _options(raw.get("options"), kind, where))


def parse(key: str, source: str) -> Template:
    """A template from its TOML text; raises ``TemplateError`` naming what is wrong."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{key}: {error}") from error
    prompts = tuple(_prompt(raw, f"{key}.prompts[{n}]") for n, raw in enumerate(data.get("prompts", [])))
    if not prompts:
        raise TemplateError(f"{key}: a template needs at least one prompt")
    schedule = data.get("schedule", {})
    if not isinstance(schedule, dict) or not isinstance(schedule.get("recurrence", ""), str):
        raise TemplateError(f"{key}.schedule: a table with a recurrence text")
    return Template(key, _texts(data.get("title"), f"{key}.title"),
                    _texts(data.get("description"), f"{key}.description"), dict(schedule), prompts)


@cache
def templates() -> dict[str, Template]:
    """Every template shipped in ``prompts/campaigns``, by key, read once per process."""
    folder = resources.files("prompts").joinpath("campaigns")
    found: dict[str, Template] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml"):
            key = entry.name.removesuffix(".toml")
            found[key] = parse(key, entry.read_text(encoding="utf-8"))
    return found


def find(reference: str) -> Template:
    """The template a member named: its key, or its title in either language, tolerantly."""
    wanted = slugify(reference)
    for template in templates().values():
        names = {template.key, *(slugify(title) for title in template.title.values())}
        if wanted in names or wanted.replace("-", "") in {name.replace("-", "") for name in names}:
            return template
    keys = ", ".join(templates())
    raise NotFound("campaign.template_not_found", ref=fold(reference), choices=keys)
