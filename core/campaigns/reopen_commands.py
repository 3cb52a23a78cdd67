"""Reopening a round's prompt: a member who missed it (or wants to change an answer) gets the whole
message again, with every answer button, as long as the round is open.

``campaign.reopen`` is the Open button of ``inbox`` (``core.inbox``); its value is the round id. The
prompt comes back exactly as the round sent it (``core.campaigns.messages.prompt_reply``), each
question already answered saying what the member answered; answering again edits that answer
(``core.campaigns.answers``). Only a member the prompt reached may reopen it (the table's
``recipient``), and a closed round says so.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlmodel import col, select

from core.campaigns import ownership
from core.campaigns.answers import Target, answered_prompts, is_open
from core.campaigns.messages import SENDABLE, prompt_reply
from core.campaigns.models import Campaign, CampaignPrompt, Response, Round
from core.commands.context import Context
from core.commands.grammar import Handlers
from core.errors import Conflict, InvalidInput, NotFound
from core.messages import Reply
from core.text import shorten

if TYPE_CHECKING:
    from core.commands import Action

#: this module's click; ``core/campaigns/wiring.py`` adds it to the registry
handlers = Handlers()


async def _round(ctx: Context, value: str) -> tuple[Round, Campaign, list[CampaignPrompt]]:
    if not value.strip().isdigit():
        raise InvalidInput("campaign.answer_unknown")
    found = (await ctx.uow.session.exec(select(Round, Campaign).join(
        Campaign, col(Campaign.id) == col(Round.campaign_id)).where(Round.id == int(value)))).first()
    if found is None:
        raise NotFound("campaign.answer_unknown")
    round_, campaign = found
    prompts = list((await ctx.uow.session.exec(select(CampaignPrompt).where(
        CampaignPrompt.campaign_id == campaign.id).order_by(col(CampaignPrompt.position)))).all())
    if not prompts:
        raise NotFound("campaign.answer_unknown")
    return round_, campaign, prompts


def _said(response: Response) -> str:
    if response.text is not None:
        return shorten(response.text, 200)
    return response.choice if response.choice is not None else str(response.scale)


@handlers.action("campaign.reopen")
async def reopen(ctx: Context, act: Action) -> Reply:
    """The round's prompt again, with its buttons, for a member it reached, while the round is open."""
    round_, campaign, prompts = await _round(ctx, act.value)
    facts = await ownership.answering(ctx.uow, Target(round_, campaign, prompts[0]), ctx.member_id,
                                      act.channel or ctx.channel)
    ctx.require("campaign.reopen", facts)
    ctx.record_activity = not campaign.anonymous
    if campaign.status not in SENDABLE or not is_open(round_, ctx.services.clock.now()):
        raise Conflict("campaign.round_closed", title=campaign.title)
    mine = await answered_prompts(ctx.uow, round_, campaign, ctx.member_id, ctx.services.settings.security)
    zone = campaign.timezone or ctx.member.timezone
    reply = prompt_reply(ctx.t, campaign, round_, prompts, zone,
                         ctx.t.plural("inbox.reopened", len(prompts) - len(mine), title=campaign.title,
                                      of_total=ctx.t.plural("inbox.of_total", len(prompts))))
    intro, *asked = reply.sections  # the intro, then one section per prompt, in order
    sections = [intro]
    for prompt, section in zip(prompts, asked, strict=True):
        if prompt.id in mine:
            note = ctx.t("inbox.your_answer", answer=_said(mine[prompt.id]))
            section = replace(section, text=f"{section.text}\n{note}")
        sections.append(section)
    text = "\n\n".join(s.text for s in sections if s.text)
    return replace(reply, text=text, sections=tuple(sections))
