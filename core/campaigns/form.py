"""The ``campaign new`` form: what it asks (prefilled from a template) and how its answers are read.

The console shows it as prompted questions, Slack as a modal, Teams as an Adaptive Card; all three
submit the same named values as an ``Action``. Reading them checks every value and names the one that
is wrong, so the animator can fix it and submit again.

Prompts are one per line: ``What did you learn?`` (text), ``Where? :: Project | Colleague | Course``
(choice), ``How was it? :: 1-5`` (scale).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from core.campaigns.form_check import (  # re-exported: what callers of this module have always used
    INPUT_OF_ERROR,
    MAX_PROMPTS,
    MAX_TITLE,
    SEPARATOR,
    FormErrors,
    attribute,
    check,
    parse_prompts,
)
from core.campaigns.lifecycle import NewCampaign
from core.campaigns.schedules import wall_of
from core.campaigns.templates import Template
from core.groups.lookup import Viewer
from core.i18n import LOCALES, Translator
from core.messages import Form, FormInput, Option
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork

__all__ = ["ACTION", "INPUT_OF_ERROR", "MAX_PROMPTS", "MAX_TITLE", "FormErrors", "attribute", "build",
           "check", "defaults", "parse_prompts", "prompt_lines", "read", "refill", "split_inline",
           "translation_inputs", "untouched"]

ACTION = "campaign.create"
CHECK = "campaign.check"
_INLINE = re.compile(r"""(\w+)=(?:"([^"]*)"|“([^”]*)”|(\S+))""")


def prompt_lines(template: Template | None, locale: str) -> str:
    """A template's prompts in the line syntax, in the animator's language, ready to edit."""
    if template is None:
        return ""
    lines = []
    for prompt in template.prompts:
        text = prompt.text_in(locale)
        if prompt.kind == "choice":
            text += f" {SEPARATOR} " + " | ".join(prompt.options_in(locale))
        elif prompt.kind == "scale":
            text += f" {SEPARATOR} 1-5"
        lines.append(text)
    return "\n".join(lines)


def split_inline(text: str) -> tuple[str, dict[str, str]]:
    """``weekly-learning groups="Data Science" start=2026-03-09`` → template reference and values.

    The inline form answers the same questions as the form, for scripts and quick creation.
    """
    values = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
              for m in _INLINE.finditer(text)}
    first = _INLINE.search(text)
    return (text[: first.start()] if first else text).strip(), values


def defaults(form: Form) -> dict[str, str]:
    """What submitting the form untouched would send."""
    return {field.name: field.initial for field in form.inputs}


def refill(form: Form, values: Mapping[str, str], errors: Mapping[str, str] | None = None,
           action: str | None = None, value: str | None = None) -> Form:
    """``form`` with ``values`` as its answers and ``errors`` (markup, by input) under its inputs:
    the same form again, to fix what was wrong or to edit what was submitted before."""
    problems = errors or {}
    inputs = tuple(replace(item, initial=values.get(item.name, item.initial),
                           error=problems.get(item.name, "")) for item in form.inputs)
    return replace(form, inputs=inputs, action_id=action or form.action_id,
                   value=form.value if value is None else value)


def _yes_no(t: Translator) -> tuple[Option, ...]:
    return (Option(t("campaign.form_yes"), "yes"), Option(t("campaign.form_no"), "no"))


def _flag(value: bool) -> str:
    return "yes" if value else "no"


def translation_inputs(t: Translator, template: Template | None,
                       language: str | None = None) -> tuple[FormInput, ...]:
    """Optional inputs for the title and questions in each language but ``language`` (the form's by
    default): ``title_fr``, ``prompts_fr``, prefilled from the template; members reading that
    language get these."""
    inputs: list[FormInput] = []
    for other in (loc for loc in LOCALES if loc != (language or t.locale)):
        language = t(f"campaign.language_{other}")
        inputs += [
            FormInput(f"title_{other}", t("campaign.form_title_other", language=language), "text", (), False,
                      t("campaign.form_title_other_hint", language=language),
                      template.title_in(other) if template else ""),
            FormInput(f"prompts_{other}", t("campaign.form_prompts_other", language=language), "multiline",
                      (), False, t("campaign.form_prompts_other_hint", language=language),
                      prompt_lines(template, other)),
        ]
    return tuple(inputs)


def untouched(values: Mapping[str, str], template: Template | None) -> dict[str, str]:
    """``values`` without the translations the animator left as the template wrote them: those are
    matched prompt by prompt instead (``core.campaigns.languages.from_template``), so a question the
    animator rewrote in their language never goes out with the template's old translation."""
    kept = dict(values)
    for other in LOCALES:
        if template is None:
            break
        if kept.get(f"title_{other}", "").strip() == template.title_in(other):
            kept.pop(f"title_{other}")
        if kept.get(f"prompts_{other}", "").strip() == prompt_lines(template, other).strip():
            kept.pop(f"prompts_{other}")
    return kept


def build(t: Translator, template: Template | None, now: datetime, zone: str) -> Form:
    """The form, prefilled from the template's defaults; the first round tomorrow by default."""
    sched = template.schedule if template else {}
    locale = t.locale
    tomorrow = (wall_of(now, zone) + timedelta(days=1)).date()

    def field(name: str, kind: str = "text", initial: str = "", required: bool = True,
              options: tuple[Option, ...] = ()) -> FormInput:
        return FormInput(name, t(f"campaign.form_{name}"), kind, options,  # type: ignore[arg-type]
                         required, t(f"campaign.form_{name}_hint"), initial)

    inputs = (
        field("title", initial=template.title_in(locale) if template else ""),
        field("description", "multiline", template.description_in(locale) if template else "", False),
        field("groups"),
        field("mode", "choice", "direct", options=(Option(t("campaign.mode_direct"), "direct"),
                                                   Option(t("campaign.mode_channel"), "channel"))),
        field("channel", required=False),
        field("start", initial=tomorrow.isoformat()),
        field("time", initial=str(sched.get("local_time", "09:30"))),
        field("recurrence", initial=str(sched.get("recurrence", "FREQ=WEEKLY")), required=False),
        field("timezone", initial=t("campaign.form_timezone_local")),
        field("count", required=False), field("until", required=False),
        field("skip_weekends", "choice", _flag(sched.get("skip_weekends", True)), options=_yes_no(t)),
        field("skip_holidays", "choice", _flag(sched.get("skip_holidays", False)), options=_yes_no(t)),
        field("reminders", "choice", str(sched.get("reminders", 1)),
              options=tuple(Option(str(n), str(n)) for n in range(3))),
        field("reminder_after", initial=str(sched.get("reminder_after_hours", 24))),
        field("close_after", initial=str(sched.get("close_after_hours", 72))),
        field("anonymous", "choice", _flag(sched.get("anonymous", False)), options=_yes_no(t)),
        field("summary_channels", "choice", "no", options=_yes_no(t)),
        field("prompts", "multiline", prompt_lines(template, locale)),
        *translation_inputs(t, template),
    )
    title = t("campaign.form_heading", template=template.title_in(locale) if template else "—")
    return Form(title, ACTION, t("campaign.form_submit"), inputs, template.key if template else "",
                check_action=CHECK)


async def read(uow: UnitOfWork, viewer: Viewer, values: Mapping[str, str], template: str | None,
               where: tuple[ConversationRef | None, str, str], now: datetime | None = None,
               creator_zone: str = "UTC") -> NewCampaign:
    """Check every submitted value; raises ``FormErrors`` (a ``ParvisError`` naming the first wrong
    input, with ``errors`` holding all of them). With ``now``, the schedule and audience too."""
    return await check(uow, viewer, values, template, where, now, creator_zone)
