"""Reading the ``campaign new`` / ``campaign edit`` form: every input checked, every wrong one named.

Why every one at once: an animator who typed eighteen answers must not lose seventeen for one typo.
``check`` returns the campaign, or raises ``FormErrors`` holding one error per wrong input; each
surface then shows the form again with those errors under their inputs and everything else kept
(console: only the wrong inputs are asked again; Slack: ``response_action: errors``; Teams: the card
again). ``FormErrors`` is a ``ParvisError`` carrying the first error, so a caller that only knows
``ParvisError`` (``read``, the inline ``campaign new``) still gets one clear message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from core.campaigns.lifecycle import NewCampaign, NewPrompt, check_audience
from core.campaigns.schedules import (
    Schedule,
    check_zone,
    first,
    instant,
    normalise,
    parse_clock,
    parse_date,
    prepare,
    zone,
)
from core.errors import InvalidInput, ParvisError
from core.groups.lookup import Viewer, hidden_channel, resolve
from core.i18n import LOCALES
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork
from core.text import fold

SEPARATOR = "::"
SCALES = frozenset({"1-5", "1–5", "scale", "echelle"})
LOCAL = frozenset({"", "local", "locale", "each", "chacun"})
HERE = frozenset({"here", "ici"})
YES = frozenset({"yes", "oui", "y", "o", "true", "1"})
MAX_TITLE = 200
MAX_PROMPT = 2000
MAX_PROMPTS = 10
MAX_HOURS = 24 * 90
#: the shortest delay before a reminder, in hours: sooner would nag people who are about to answer
MIN_REMINDER_HOURS = 1


class FormErrors(InvalidInput):
    """Every wrong input of a submitted form (``errors``, by input name, in the form's order)."""

    def __init__(self, errors: dict[str, ParvisError]) -> None:
        name, error = next(iter(errors.items()))
        super().__init__(error.key, **error.params)
        self.input = name
        self.errors = errors


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
    if not prompts:
        raise InvalidInput("campaign.no_prompts")
    return tuple(prompts)


def number(values: Mapping[str, str], name: str, low: int, high: int, default: int | None) -> int | None:
    """A whole number from ``low`` to ``high``; ``default`` when left empty."""
    raw = values.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput("campaign.bad_number", field=name, value=raw, low=low, high=high)
    return int(raw)


async def groups_of(uow: UnitOfWork, viewer: Viewer, text: str) -> tuple[int, ...]:
    found = [await resolve(uow, viewer, ref) for ref in text.split(",") if ref.strip()]
    return tuple(dict.fromkeys(group.id for group in found if group.id is not None))


def channels_of(text: str, here: ConversationRef | None, platform: str,
                tenant: str) -> tuple[ConversationRef, ...]:
    value = text.strip()
    if not value:
        return ()
    if fold(value) in HERE:
        if here is None:
            raise InvalidInput("campaign.no_channel_here")
        return (here,)
    return (ConversationRef(platform, tenant, value.lstrip("#")),)


class Reading:
    """One submission being read: each input's value or error, kept apart."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.errors: dict[str, ParvisError] = {}

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def take(self, name: str, read: Callable[[], Any], fallback: Any = None) -> Any:
        """``read()``, or ``fallback`` with its error kept under ``name``."""
        try:
            return read()
        except ParvisError as error:
            self.fail(name, error)
            return fallback

    async def take_async(self, name: str, read: Callable[[], Awaitable[Any]], fallback: Any = None) -> Any:
        try:
            return await read()
        except ParvisError as error:
            self.fail(name, error)
            return fallback

    def fail(self, name: str, error: ParvisError) -> None:
        self.errors.setdefault(name, error.within(name))


async def _not_hidden(uow: UnitOfWork, viewer: Viewer, channels: tuple[ConversationRef, ...]) -> None:
    """A typed channel linked only to groups the viewer may not see (a private group's) is refused as
    an unknown one, so that nobody posts there and nobody learns it is linked."""
    for channel in channels:
        if await hidden_channel(uow, viewer, channel.platform, channel.tenant, channel.channel):
            raise InvalidInput("campaign.unknown_channel", channel=channel.channel)


def _title(text: str) -> str:
    if not text or len(text) > MAX_TITLE:
        raise InvalidInput("campaign.bad_title", limit=MAX_TITLE)
    return text


def _mode(text: str) -> str:
    if (mode := text or "direct") not in ("direct", "channel"):
        raise InvalidInput("campaign.bad_mode", value=text)
    return mode


def _zone(text: str) -> str | None:
    return None if fold(text) in LOCAL else check_zone(text)


def _recurrence(text: str) -> str:
    rule = normalise(text)
    _, walls = prepare(Schedule(datetime(2000, 1, 3, 9, 30), rule))
    next(walls, None)  # an unreadable or too frequent rule raises here
    return rule


async def _fields(uow: UnitOfWork, r: Reading, viewer: Viewer, template: str | None,
                  where: tuple[ConversationRef | None, str, str], today: date) -> NewCampaign:
    """Each input read on its own; the values of wrong ones are stand-ins (``r.errors`` says). Typed
    days ("next monday", "lundi prochain") are read from ``today``, the creator's own date."""
    clock = r.take("time", lambda: parse_clock(r.get("time") or "09:30"), parse_clock("09:30"))
    start = r.take("start", lambda: datetime.combine(parse_date(r.get("start"), today), clock))
    until = r.get("until")
    reminders = r.take("reminders", lambda: number(r.values, "reminders", 0, 2, 1), 1) or 0
    reminder = r.take("reminder_after", lambda: number(r.values, "reminder_after", MIN_REMINDER_HOURS,
                                                       MAX_HOURS, 24), 24) or 24
    close = r.take("close_after", lambda: number(r.values, "close_after", 1, MAX_HOURS, 72), 72) or 72
    return NewCampaign(
        title=r.take("title", lambda: _title(r.get("title")), ""),
        description=r.get("description")[:2000], template=template or None,
        group_ids=await r.take_async("groups", lambda: groups_of(uow, viewer, r.get("groups")), ()),
        channels=r.take("channel", lambda: channels_of(r.get("channel"), *where), ()),
        mode=r.take("mode", lambda: _mode(r.get("mode")), "direct"), start=start or datetime(2000, 1, 1),
        local_time=clock, recurrence=r.take("recurrence", lambda: _recurrence(r.get("recurrence")), ""),
        zone=r.take("timezone", lambda: _zone(r.get("timezone"))),
        count=r.take("count", lambda: number(r.values, "count", 1, 1000, None)),
        until=r.take("until", lambda: datetime.combine(parse_date(until, today), clock) if until else None),
        skip_weekends=fold(r.get("skip_weekends")) in YES, skip_holidays=fold(r.get("skip_holidays")) in YES,
        reminders=reminders, reminder_after_minutes=60 * reminder, close_after_minutes=60 * close,
        anonymous=fold(r.get("anonymous")) in YES, summary_to_channels=fold(r.get("summary_channels")) in YES,
        prompts=r.take("prompts", lambda: parse_prompts(r.values.get("prompts", "")), ()))


def _translation(text: str, prompts: tuple[NewPrompt, ...]) -> tuple[NewPrompt, ...]:
    """Questions in another language: one for one with ``prompts`` (same kinds, as many options)."""
    found = parse_prompts(text)
    shapes = [(p.kind, len(p.options)) for p in prompts]
    if [(p.kind, len(p.options)) for p in found] != shapes:
        raise InvalidInput("campaign.bad_translation", expected=len(prompts))
    return found


def _translations(r: Reading, new: NewCampaign) -> NewCampaign:
    """The other languages the animator typed (``title_fr``, ``prompts_fr``) into ``texts``."""
    texts: dict[str, dict[str, object]] = {}
    by_prompt: list[dict[str, object]] = [{} for _ in new.prompts]
    for other in LOCALES:
        if title := r.get(f"title_{other}")[:MAX_TITLE]:
            texts[other] = {"title": title}
        if (text := r.get(f"prompts_{other}")) and new.prompts:
            found = r.take(f"prompts_{other}", partial(_translation, text, new.prompts), ())
            for n, prompt in enumerate(found):
                by_prompt[n][other] = {"text": prompt.text, "options": list(prompt.options)}
    prompts = tuple(replace(p, texts=t) for p, t in zip(new.prompts, by_prompt, strict=True))
    return replace(new, texts=texts, prompts=prompts)


def _reminder_before_close(new: NewCampaign) -> None:
    """The last reminder (the second comes twice as late) must come before answers close."""
    last = new.reminders * new.reminder_after_minutes
    if new.reminders and last >= new.close_after_minutes:
        raise InvalidInput("campaign.reminder_after_close", hours=last // 60,
                           close=new.close_after_minutes // 60)


def _schedule(new: NewCampaign, now: datetime, creator_zone: str) -> None:
    if instant(new.start, new.zone or creator_zone) < now:
        raise InvalidInput("campaign.start_in_past", start=new.start)


def _fires(new: NewCampaign) -> None:
    if first(new.schedule()) is None:
        raise InvalidInput("campaign.never_fires", value=new.recurrence or "—")


async def check(uow: UnitOfWork, viewer: Viewer, values: Mapping[str, str], template: str | None,
                where: tuple[ConversationRef | None, str, str], now: datetime | None = None,
                creator_zone: str = "UTC") -> NewCampaign:
    """The campaign the form describes, or ``FormErrors`` naming every wrong input. Relative days are
    read from the creator's today in their own zone (``creator_zone``), not the server's.

    With ``now``, also what only the whole form tells: a start in the past, a rule that never fires,
    an audience nobody is in, a reminder at or after the close."""
    r = Reading(values)
    today = (now or datetime.now(UTC)).astimezone(zone(creator_zone)).date()
    new = _translations(r, await _fields(uow, r, viewer, template, where, today))
    if "channel" not in r.errors and fold(r.get("channel")) not in HERE:
        await r.take_async("channel", lambda: _not_hidden(uow, viewer, new.channels))
    if "reminders" not in r.errors and "close_after" not in r.errors:
        r.take("reminder_after", lambda: _reminder_before_close(new))
    if now is not None and not {"start", "time", "timezone"} & set(r.errors):
        r.take("start", lambda: _schedule(new, now, creator_zone))
    if now is not None and not {"start", "time", "timezone", "recurrence", "count", "until"} & set(r.errors):
        r.take("recurrence", lambda: _fires(new))
    if now is not None and not {"groups", "channel", "mode"} & set(r.errors):
        await r.take_async("groups" if new.mode == "direct" or not new.channels else "channel",
                           lambda: check_audience(uow, new))
    if r.errors:
        order = list(values)
        raise FormErrors(dict(sorted(r.errors.items(),
                                     key=lambda item: order.index(item[0]) if item[0] in order else 99)))
    return new


#: which form input a campaign error is about (``campaign.bad_number`` names its own)
INPUT_OF_ERROR = {
    "campaign.bad_title": "title", "campaign.bad_mode": "mode", "campaign.no_channel_here": "channel",
    "campaign.no_channels": "channel",
    "campaign.unknown_channel": "channel", "campaign.no_members": "groups", "campaign.bad_time": "time",
    "campaign.start_in_past": "start", "campaign.bad_timezone": "timezone",
    "campaign.bad_recurrence": "recurrence", "campaign.too_frequent": "recurrence",
    "campaign.never_fires": "recurrence", "campaign.bad_prompt": "prompts", "campaign.bad_choice": "prompts",
    "campaign.too_many_prompts": "prompts", "campaign.no_prompts": "prompts", "group.not_found": "groups",
    "group.not_found_suggest": "groups", "campaign.reminder_after_close": "reminder_after",
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
