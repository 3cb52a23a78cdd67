"""The ``campaign new`` form: what it asks (prefilled from a template) and how its answers are read.

The console shows it as prompted questions, Slack as a modal, Teams as an Adaptive Card; all three
submit the same named values as an ``Action``. Reading them checks every value and names the one that
is wrong, so the animator can fix it and submit again.

Prompts are one per line: ``What did you learn?`` (text), ``Where? :: Project | Colleague | Course``
(choice), ``How was it? :: 1-5`` (scale).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from core.campaigns.lifecycle import NewCampaign, NewPrompt
from core.campaigns.schedules import check_zone, normalise, parse_clock, parse_date, wall_of
from core.campaigns.templates import Template
from core.errors import InvalidInput, ParvisError
from core.groups.lookup import Viewer, resolve
from core.i18n import Translator
from core.messages import Form, FormInput, Option
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork
from core.text import fold

ACTION = "campaign.create"
_INLINE = re.compile(r"""(\w+)=(?:"([^"]*)"|“([^”]*)”|(\S+))""")
SEPARATOR = "::"
SCALES = frozenset({"1-5", "1–5", "scale", "echelle"})
LOCAL = frozenset({"", "local", "locale", "each", "chacun"})
HERE = frozenset({"here", "ici"})
YES = frozenset({"yes", "oui", "y", "o", "true", "1"})
MAX_TITLE = 200
MAX_PROMPT = 2000
MAX_PROMPTS = 10
MAX_HOURS = 24 * 90


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


def parse_prompts(text: str) -> tuple[NewPrompt, ...]:
    """Read the prompts, one per line; a choice needs two options or more."""
    prompts: list[NewPrompt] = []
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        question, _, spec = (part.strip() for part in line.partition(SEPARATOR))
        if not question or len(question) > MAX_PROMPT:
            raise InvalidInput("campaign.bad_prompt", line=line[:80])
        if not spec:
            prompts.append(NewPrompt("text", question))
        elif fold(spec) in SCALES:
            prompts.append(NewPrompt("scale", question))
        else:
            options = tuple(dict.fromkeys(o.strip()[:200] for o in spec.split("|") if o.strip()))
            if len(options) < 2:
                raise InvalidInput("campaign.bad_choice", line=line[:80])
            prompts.append(NewPrompt("choice", question, options))
    if len(prompts) > MAX_PROMPTS:
        raise InvalidInput("campaign.too_many_prompts", count=len(prompts), limit=MAX_PROMPTS)
    return tuple(prompts)


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


def _yes_no(t: Translator) -> tuple[Option, ...]:
    return (Option(t("campaign.form_yes"), "yes"), Option(t("campaign.form_no"), "no"))


def _flag(value: bool) -> str:
    return "yes" if value else "no"


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
        field("timezone", initial="local"),
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
    )
    title = t("campaign.form_heading", template=template.title_in(locale) if template else "—")
    return Form(title, ACTION, t("campaign.form_submit"), inputs, template.key if template else "")


#: which form input a campaign error is about (``campaign.bad_number`` names its own)
INPUT_OF_ERROR = {
    "campaign.bad_title": "title", "campaign.bad_mode": "mode", "campaign.no_channel_here": "channel",
    "campaign.no_channels": "channel", "campaign.no_members": "groups", "campaign.bad_time": "time",
    "campaign.start_in_past": "start", "campaign.bad_timezone": "timezone",
    "campaign.bad_recurrence": "recurrence", "campaign.too_frequent": "recurrence",
    "campaign.never_fires": "recurrence", "campaign.bad_prompt": "prompts", "campaign.bad_choice": "prompts",
    "campaign.too_many_prompts": "prompts", "campaign.no_prompts": "prompts", "group.not_found": "groups",
    "group.not_found_suggest": "groups",
}


def attribute(error: ParvisError, values: Mapping[str, str]) -> ParvisError:
    """``error`` with the input it is about: from its key, or for a date the input holding that value."""
    if error.key == "campaign.bad_number":
        return error.within(str(error.params.get("field", "")))
    if error.key == "campaign.bad_date":
        bad = str(error.params.get("value", "")).strip()
        return error.within("until" if bad and bad == values.get("until", "").strip() else "start")
    name = INPUT_OF_ERROR.get(error.key)
    return error.within(name) if name else error


def _number(values: Mapping[str, str], name: str, low: int, high: int, default: int | None) -> int | None:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput("campaign.bad_number", field=name, value=raw, low=low, high=high)
    return int(raw)


async def _groups(uow: UnitOfWork, viewer: Viewer, text: str) -> tuple[int, ...]:
    found = [await resolve(uow, viewer, ref) for ref in text.split(",") if ref.strip()]
    return tuple(dict.fromkeys(group.id for group in found if group.id is not None))


def _channels(text: str, here: ConversationRef | None, platform: str,
              tenant: str) -> tuple[ConversationRef, ...]:
    value = text.strip()
    if not value:
        return ()
    if fold(value) in HERE:
        if here is None:
            raise InvalidInput("campaign.no_channel_here")
        return (here,)
    return (ConversationRef(platform, tenant, value.lstrip("#")),)


async def read(uow: UnitOfWork, viewer: Viewer, values: Mapping[str, str], template: str | None,
               where: tuple[ConversationRef | None, str, str]) -> NewCampaign:
    """Check every submitted value; the first wrong one is named in the error."""
    get: Callable[[str], str] = lambda name: values.get(name, "").strip()  # noqa: E731
    title = get("title")
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput("campaign.bad_title", limit=MAX_TITLE)
    mode = get("mode") or "direct"
    if mode not in ("direct", "channel"):
        raise InvalidInput("campaign.bad_mode", value=mode)
    clock = parse_clock(get("time") or "09:30")
    start = datetime.combine(parse_date(get("start")), clock)
    until = get("until")
    return NewCampaign(
        title=title, description=get("description")[:2000], template=template or None,
        group_ids=await _groups(uow, viewer, get("groups")), channels=_channels(get("channel"), *where),
        mode=mode, start=start, local_time=clock, recurrence=normalise(get("recurrence")),
        zone=None if fold(get("timezone")) in LOCAL else check_zone(get("timezone")),
        count=_number(values, "count", 1, 1000, None),
        until=datetime.combine(parse_date(until), clock) if until else None,
        skip_weekends=fold(get("skip_weekends")) in YES, skip_holidays=fold(get("skip_holidays")) in YES,
        reminders=_number(values, "reminders", 0, 2, 1) or 0,
        reminder_after_minutes=60 * (_number(values, "reminder_after", 1, MAX_HOURS, 24) or 24),
        close_after_minutes=60 * (_number(values, "close_after", 1, MAX_HOURS, 72) or 72),
        anonymous=fold(get("anonymous")) in YES, summary_to_channels=fold(get("summary_channels")) in YES,
        prompts=parse_prompts(values.get("prompts", "")))
