"""What campaign deliveries say, decided at send time (outbox renderers).

Rendering at send time is what keeps the promises of issue 4: a member who opted out, was erased,
left every audience group, or is marked away since the round was materialised gets nothing (the
renderer returns ``None`` and the row is ``skipped``); a prompt of a closed or paused round is not
sent; a reminder goes only to someone who still has not answered; and every message is in the
recipient's current language and time zone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlmodel import col, select

from core.answers import answered, is_open, respondent_key
from core.campaigns import prompts_of
from core.db import UnitOfWork
from core.directory import address_of
from core.i18n import Translator
from core.messages import Button, Reply, Section
from core.models import (
    Campaign,
    CampaignPrompt,
    Delivery,
    ExpertStatus,
    GroupChannel,
    GroupMember,
    Member,
    Round,
)
from core.outbox import Outgoing, renderer
from core.ports import ConversationRef
from core.schedules import wall_of
from core.summaries import render, summarise

SENDABLE = ("scheduled", "running")


def prompt_section(t: Translator, round_id: int, prompt: CampaignPrompt) -> Section:
    """One prompt with its answer buttons: options, 1–5, or a button opening the text form."""
    key = f"{round_id}:{prompt.id}"
    if prompt.kind == "choice":
        buttons = tuple(Button(option, "campaign.answer", f"{key}:{n}")
                        for n, option in enumerate(prompt.options))
    elif prompt.kind == "scale":
        buttons = tuple(Button(str(n), "campaign.answer", f"{key}:{n}") for n in range(1, 6))
    else:
        buttons = (Button(t("campaign.button_write"), "campaign.write", key, style="primary"),)
    return Section(text=f"*{prompt.position}. {prompt.text}*", buttons=buttons)


def prompt_reply(t: Translator, campaign: Campaign, round_: Round, prompts: list[CampaignPrompt],
                 zone: str, intro: str) -> Reply:
    """The message of a round: every prompt, when answers close, and whether they are anonymous."""
    assert round_.id is not None
    sections = tuple(prompt_section(t, round_.id, prompt) for prompt in prompts)
    closes = wall_of(round_.closes_at, zone) if round_.closes_at else None
    notes = [t("campaign.prompt_closes", date=f"{closes:%Y-%m-%d %H:%M}")] if closes else []
    if campaign.anonymous:
        notes.append(t("campaign.prompt_anonymous"))
    text = "\n\n".join([intro, *(section.text for section in sections)])
    return Reply(text=text, title=campaign.title, sections=(Section(text=intro), *sections),
                 context=" · ".join(notes) or None)


async def _away(uow: UnitOfWork, member_id: int, now: datetime) -> bool:
    status = await uow.session.get(ExpertStatus, member_id)
    return bool(status and status.away and (status.away_until is None or status.away_until > now))


async def _still_in_audience(uow: UnitOfWork, campaign: Campaign, member_id: int) -> bool:
    groups = campaign.audience.get("groups", [])
    statement = select(GroupMember.group_id).where(GroupMember.member_id == member_id,
                                                   col(GroupMember.group_id).in_(groups))
    return bool(groups) and (await uow.session.exec(statement)).first() is not None


async def _context(uow: UnitOfWork, delivery: Delivery) -> tuple[Round, Campaign] | None:
    round_ = await uow.session.get(Round, delivery.round_id)
    campaign = await uow.session.get(Campaign, round_.campaign_id) if round_ else None
    if round_ is None or campaign is None:
        return None
    return round_, campaign


async def _member(uow: UnitOfWork, campaign: Campaign, delivery: Delivery, now: datetime) -> Member | None:
    """The member a prompt or reminder goes to, if they may still get it."""
    member = await uow.session.get(Member, int(delivery.target_id))
    if member is None or member.erased_at is not None or member.campaign_opt_out:
        return None
    assert member.id is not None
    if not await _still_in_audience(uow, campaign, member.id) or await _away(uow, member.id, now):
        return None
    return member


async def campaign_translator(uow: UnitOfWork, campaign: Campaign) -> Translator:
    """Channel posts speak the language of the animator who wrote the prompts."""
    creator = await uow.session.get(Member, campaign.created_by) if campaign.created_by else None
    return Translator(creator.locale if creator else "en")


async def channel_ref(uow: UnitOfWork, key: str) -> ConversationRef | None:
    """The channel a delivery's target key names (a linked group channel, or an explicit one)."""
    kind, _, rest = key.partition(":")
    if kind == "gc" and rest.isdigit():
        row = await uow.session.get(GroupChannel, int(rest))
        return ConversationRef(row.platform, row.tenant, row.channel_id) if row else None
    if kind == "x" and rest.count("|") >= 2:
        platform, tenant, channel = rest.split("|", 2)
        return ConversationRef(platform, tenant, channel)
    return None


async def _render_round(uow: UnitOfWork, delivery: Delivery, reminder: bool) -> Outgoing | None:
    found = await _context(uow, delivery)
    now = delivery.claimed_at or datetime.now().astimezone()
    if found is None or found[1].status not in SENDABLE or not is_open(found[0], now):
        return None
    round_, campaign = found
    assert campaign.id is not None and round_.id is not None
    prompts = await prompts_of(uow, campaign.id)
    if delivery.target_kind == "channel":
        where = await channel_ref(uow, delivery.target_id)
        if where is None:
            return None
        t = await campaign_translator(uow, campaign)
        reply = prompt_reply(t, campaign, round_, prompts, campaign.timezone or "UTC",
                             t("campaign.prompt_intro_channel", title=campaign.title))
        return Outgoing(where, replace(reply, visibility="public"))
    member = await _member(uow, campaign, delivery, now)
    if member is None or member.id is None:
        return None
    if reminder and respondent_key(campaign, member.id) in await answered(uow, round_.id):
        return None
    address = await address_of(uow, member.id)
    if address is None:
        return None
    t = Translator(member.locale)
    intro = t("campaign.reminder_intro" if reminder else "campaign.prompt_intro", title=campaign.title)
    return Outgoing(address, prompt_reply(t, campaign, round_, prompts, campaign.timezone or member.timezone,
                                          intro))


@renderer("prompt")
async def render_prompt(uow: UnitOfWork, delivery: Delivery) -> Outgoing | None:
    return await _render_round(uow, delivery, reminder=False)


@renderer("reminder.1")
async def render_reminder(uow: UnitOfWork, delivery: Delivery) -> Outgoing | None:
    return await _render_round(uow, delivery, reminder=True)


@renderer("reminder.2")
async def render_second_reminder(uow: UnitOfWork, delivery: Delivery) -> Outgoing | None:
    return await _render_round(uow, delivery, reminder=True)


@renderer("summary")
async def render_summary(uow: UnitOfWork, delivery: Delivery) -> Outgoing | None:
    """The round's summary, for the animator (direct) or a group channel (public)."""
    found = await _context(uow, delivery)
    if found is None:
        return None
    round_, campaign = found
    summary = await summarise(uow, campaign, round_)
    if delivery.target_kind == "channel":
        where = await channel_ref(uow, delivery.target_id)
        if where is None:
            return None
        reply = render(await campaign_translator(uow, campaign), campaign, summary)
        return Outgoing(where, replace(reply, visibility="public"))
    member = await uow.session.get(Member, int(delivery.target_id))
    if member is None or member.erased_at is not None or member.id is None:
        return None
    address = await address_of(uow, member.id)
    return Outgoing(address, render(Translator(member.locale), campaign, summary)) if address else None
