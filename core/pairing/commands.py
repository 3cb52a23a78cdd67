"""Pairing commands: ``group pairing on|off`` (owners, animators), ``pairing join|leave|pause``, and
the *We met* / *Not this time* clicks (only the pair's own members)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from core.campaigns.schedules import zone
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import format_day, parse_day
from core.errors import Conflict, InvalidInput, NotFound, UsageError
from core.groups import lookup
from core.groups.lookup import Viewer
from core.groups.models import Group
from core.messages import Reply
from core.pairing import settings as pairing
from core.pairing.models import Pairing

if TYPE_CHECKING:
    from core.commands import Action

#: this module's commands and actions; ``core/pairing/wiring.py`` adds them to the registry
handlers = Handlers()

MAX_PAUSE_DAYS = 366
OUTCOMES = {"pairing.met": "met", "pairing.missed": "missed"}


def _viewer(ctx: Context) -> Viewer:
    return Viewer(member_id=ctx.member_id, admin="admin" in ctx.roles)


async def _managed(ctx: Context, reference: str) -> Group:
    """The group named, if the member manages it (``group pairing`` in the permission table)."""
    group = await lookup.resolve(ctx.uow, _viewer(ctx), reference)
    ctx.require("group pairing", await lookup.relations(ctx.uow, group, ctx.member_id),
                "pairing.forbidden", name=group.name)
    if group.archived_at is not None:
        raise Conflict("group.archived", name=group.name)
    return group


@handlers.command("group", "pairing", min_args=1)
async def configure(ctx: Context, args: Args) -> Reply:
    """``group pairing on <group> [every <n> weeks] [size 2|3] [cross-department]`` and
    ``group pairing off <group>``."""
    switch, rest = args.tokens[0].lower(), list(args.tokens[1:])
    if switch not in ("on", "off") or not rest:
        raise UsageError("pairing.usage", usage="usage.group.pairing")
    if switch == "off":
        group = await _managed(ctx, " ".join(rest))
        await pairing.turn_off(ctx.uow, group, ctx.member_id, ctx.services.clock.now())
        return Reply(text=ctx.t("pairing.turned_off", name=group.name))
    reference, options = pairing.parse_options(rest)
    group = await _managed(ctx, reference)
    setup = await pairing.turn_on(ctx.uow, group, options, ctx.member_id, ctx.services.clock.now())
    key = "pairing.turned_on_cross" if setup.cross_department else "pairing.turned_on"
    return Reply(text=ctx.t.plural(key, setup.every_weeks, name=group.name, slug=group.slug, size=setup.size))


async def _member_group(ctx: Context, args: Args) -> Group:
    return await lookup.resolve(ctx.uow, _viewer(ctx), args.text.strip())


@handlers.command("pairing", "join", min_args=1)
async def join(ctx: Context, args: Args) -> Reply:
    """``pairing join <group>``: take part in the group's coffee pairing (members of the group)."""
    group = await _member_group(ctx, args)
    joined = await pairing.join(ctx.uow, group, ctx.member_id, ctx.services.clock.now())
    return Reply(text=ctx.t("pairing.joined" if joined else "pairing.already_in", name=group.name))


@handlers.command("pairing", "leave", min_args=1)
async def leave(ctx: Context, args: Args) -> Reply:
    """``pairing leave <group>``: no more pairings in that group."""
    group = await _member_group(ctx, args)
    left = await pairing.leave(ctx.uow, group, ctx.member_id)
    return Reply(text=ctx.t("pairing.left" if left else "pairing.not_in", name=group.name, slug=group.slug))


@handlers.command("pairing", "pause", min_args=1)
async def pause(ctx: Context, args: Args) -> Reply:
    """``pairing pause until <date>``: skip every pairing through that day (the member's time zone)."""
    tz = zone(ctx.member.timezone)
    today = ctx.services.clock.now().astimezone(tz).date()
    day = parse_day(args.text, today)
    if day is None:
        raise InvalidInput("pairing.bad_date", date=args.text.strip())
    if day < today:
        raise InvalidInput("pairing.date_past", date=format_day(ctx.locale, day))
    if day > today + timedelta(days=MAX_PAUSE_DAYS):
        raise InvalidInput("pairing.date_too_far", date=format_day(ctx.locale, day), days=MAX_PAUSE_DAYS)
    until = datetime.combine(day + timedelta(days=1), time(0), tz)
    await pairing.pause(ctx.uow, ctx.member_id, until)
    return Reply(text=ctx.t("pairing.paused", date=format_day(ctx.locale, day)))


async def _answer(ctx: Context, action: Action) -> Reply:
    """*We met* / *Not this time*: recorded for the pair; the last answer counts."""
    pairing_id = int(action.value) if action.value.isdigit() else 0
    found = await ctx.uow.session.get(Pairing, pairing_id)
    if found is None:
        raise NotFound("pairing.not_found")
    prefix = action.action_id.partition(":")[0]
    ctx.require(prefix, {"paired"} if ctx.member_id in found.members else set())
    outcome = OUTCOMES[prefix]
    found.outcome, found.answered_by, found.answered_at = outcome, ctx.member_id, ctx.services.clock.now()
    return Reply(text=ctx.t(f"pairing.answered_{outcome}"))


@handlers.action("pairing.met")
async def met(ctx: Context, action: Action) -> Reply:
    return await _answer(ctx, action)


@handlers.action("pairing.missed")
async def missed(ctx: Context, action: Action) -> Reply:
    return await _answer(ctx, action)
