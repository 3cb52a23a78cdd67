"""A member's controls over one campaign: ``campaign skip <id>`` (this round), ``campaign snooze
<id> <hours>`` (remind me later) and ``campaign leave <id>`` (no more prompts of it).
``core.campaigns.preferences`` says what each changes; the permission table lets the campaign's
audience use them."""

from __future__ import annotations

from core.campaigns import lifecycle as campaigns
from core.campaigns import ownership, preferences
from core.campaigns.models import Campaign
from core.campaigns.schedules import wall_of
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import format_moment
from core.errors import NotFound
from core.messages import Reply

#: this module's commands; ``core/campaigns/wiring.py`` adds them to the registry
handlers = Handlers()


async def _campaign(ctx: Context, args: Args, command: str) -> Campaign:
    """The campaign the first argument names, if the member is in its audience. One they may not
    see is "not found", as in every campaign command."""
    reference = args.tokens[0]
    campaign = await campaigns.get(ctx.uow, reference)
    facts = await ownership.relations(ctx.uow, campaign, ctx.member_id, ctx.roles)
    if not ctx.may("campaign show", facts):
        raise NotFound("campaign.not_found", ref=reference.strip())
    ctx.require(command, facts, id=campaign.id, title=campaign.title)
    return campaign


@handlers.command("campaign", "skip", min_args=1)
async def skip(ctx: Context, args: Args) -> Reply:
    """``campaign skip <id>``: no reminder this round, and not counted as a missing answer."""
    campaign = await _campaign(ctx, args, "campaign skip")
    round_ = await preferences.skip(ctx.uow, campaign, ctx.member_id, ctx.services.clock.now())
    return Reply(text=ctx.t("campaign.skipped", id=campaign.id, title=campaign.title, round=round_.index))


@handlers.command("campaign", "snooze", min_args=2)
async def snooze(ctx: Context, args: Args) -> Reply:
    """``campaign snooze <id> <hours>``: one reminder in that many hours (1 to 168)."""
    hours = preferences.hours_of(args.tokens[1])
    campaign = await _campaign(ctx, args, "campaign snooze")
    until = await preferences.snooze(ctx.uow, campaign, ctx.member_id, hours, ctx.services.clock.now())
    local = wall_of(until, ctx.member.timezone)
    return Reply(text=ctx.t("campaign.snoozed", id=campaign.id, title=campaign.title,
                            when=format_moment(ctx.locale, local)))


@handlers.command("campaign", "leave", min_args=1)
async def leave(ctx: Context, args: Args) -> Reply:
    """``campaign leave <id>``: no more prompts of this campaign (``campaign optout``: of any)."""
    campaign = await _campaign(ctx, args, "campaign leave")
    changed = await preferences.leave(ctx.uow, campaign, ctx.member_id, ctx.services.clock.now())
    key = "campaign.left" if changed else "campaign.left_already"
    return Reply(text=ctx.t(key, id=campaign.id, title=campaign.title))
