"""What campaign deliveries say, decided at send time (outbox renderers).

Rendering at send time is what keeps the promises of issue 4: a member who opted out, was erased,
left every audience group, or is marked away since the round was materialised gets nothing (the
renderer returns ``None`` and the row is ``skipped``); a prompt of a closed or paused round is not
sent; a reminder goes only to someone who still has not answered; and every message is in the
recipient's current language and time zone.

The renderers take a claimed batch at once (batch renderers, added in ``core/campaigns/wiring.py``):
rounds, campaigns, prompts, members, memberships, away statuses and addresses are each loaded in one
query for the whole batch, and one message is built per (round, language, time zone), so a delivery
costs a share of a few queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, false
from sqlmodel import col, select

from core.campaigns import languages
from core.campaigns.answers import answered, has_answered, is_open
from core.campaigns.models import Campaign, CampaignPrompt, Round
from core.campaigns.schedules import wall_of
from core.campaigns.summaries import RoundSummary, render, summarise
from core.dates import format_moment
from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing, addresses_of
from core.directory.models import ExpertStatus, Identity, Member
from core.groups.models import GroupChannel, GroupMember
from core.i18n import Translator
from core.markup import escape
from core.messages import Button, Reply, Section
from core.ports import ConversationRef, MemberAddress
from core.runtime.db import UnitOfWork
from core.settings import SecuritySettings, Settings

SENDABLE = ("scheduled", "running")


def prompt_section(t: Translator, round_id: int, prompt: CampaignPrompt) -> Section:
    """One prompt with its answer buttons: options, 1–5, or a button opening the text form."""
    key = f"{round_id}:{prompt.id}"
    if prompt.kind == "choice":
        buttons = tuple(Button(escape(option), "campaign.answer", f"{key}:{n}")
                        for n, option in enumerate(prompt.options))
    elif prompt.kind == "scale":
        buttons = tuple(Button(str(n), "campaign.answer", f"{key}:{n}") for n in range(1, 6))
    else:
        buttons = (Button(t("campaign.button_write"), "campaign.write", key, style="primary"),)
    return Section(text=f"**{prompt.position}.** {escape(prompt.text)}", buttons=buttons)


def prompt_reply(t: Translator, campaign: Campaign, round_: Round, prompts: list[CampaignPrompt],
                 zone: str, intro: str) -> Reply:
    """The message of a round: every prompt, when answers close, and whether they are anonymous; in
    the reader's language (``t``) when the campaign has it, else in its first language."""
    assert round_.id is not None
    read = languages.prompts_in(prompts, t.locale)
    sections = tuple(prompt_section(t, round_.id, prompt) for prompt in read)
    closes = wall_of(round_.closes_at, zone) if round_.closes_at else None
    notes = [t("campaign.prompt_closes", date=format_moment(t.locale, closes))] if closes else []
    if campaign.anonymous:
        notes.append(t("campaign.prompt_anonymous"))
    text = "\n\n".join([intro, *(section.text for section in sections)])
    return Reply(text=text, title=escape(languages.title_in(campaign, t.locale)),
                 sections=(Section(text=intro), *sections),
                 context=" · ".join(notes) or None, locale=t.locale)



@dataclass(frozen=True)
class Rounds:
    """The rounds a batch of deliveries belongs to, with their campaigns and prompts."""

    rounds: dict[int, Round]
    campaigns: dict[int, Campaign]
    prompts: dict[int, list[CampaignPrompt]]

    def of(self, delivery: Delivery) -> tuple[Round, Campaign] | None:
        round_ = self.rounds.get(delivery.round_id) if delivery.round_id is not None else None
        campaign = self.campaigns.get(round_.campaign_id) if round_ else None
        return (round_, campaign) if round_ and campaign else None


async def load_rounds(uow: UnitOfWork, deliveries: Iterable[Delivery]) -> Rounds:
    """Two queries for any number of rounds: rounds with their campaigns, then the prompts."""
    round_ids = {delivery.round_id for delivery in deliveries if delivery.round_id is not None}
    statement = select(Round, Campaign).join(Campaign, col(Campaign.id) == col(Round.campaign_id)).where(
        col(Round.id).in_(round_ids))
    rounds: dict[int, Round] = {}
    campaigns: dict[int, Campaign] = {}
    for round_, campaign in (await uow.session.exec(statement)).all():
        assert round_.id is not None and campaign.id is not None
        rounds[round_.id], campaigns[campaign.id] = round_, campaign
    prompts: dict[int, list[CampaignPrompt]] = {campaign_id: [] for campaign_id in campaigns}
    if campaigns:
        by_campaign = (select(CampaignPrompt).where(col(CampaignPrompt.campaign_id).in_(campaigns))
                       .order_by(col(CampaignPrompt.campaign_id), col(CampaignPrompt.position)))
        for prompt in (await uow.session.exec(by_campaign)).all():
            prompts[prompt.campaign_id].append(prompt)
    return Rounds(rounds, campaigns, prompts)


@dataclass(frozen=True)
class Recipient:
    """A member who may still be messaged (not erased, not opted out), and where."""

    locale: str
    timezone: str
    groups: frozenset[int]
    address: MemberAddress | None
    away_flag: bool = False
    away_until: datetime | None = None  # with the flag: away until then, or until they come back

    def away(self, now: datetime) -> bool:
        return self.away_flag and (self.away_until is None or self.away_until > now)


async def load_recipients(uow: UnitOfWork, member_ids: set[int], group_ids: set[int]) -> dict[int, Recipient]:
    """One query for a batch of members: who may be messaged (erased and opted-out members are left
    out), their memberships among ``group_ids``, whether they are away, and their most recently
    created identity (as ``core.directory.members.address_of``)."""
    if not member_ids:
        return {}
    in_groups = col(GroupMember.group_id).in_(group_ids) if group_ids else false()
    statement = (
        # SQLModel types ``select`` for at most 4 columns; it takes any number (SQLAlchemy's select)
        select(col(Member.id), col(Member.locale), col(Member.timezone),  # type: ignore[call-overload]
               col(GroupMember.group_id), col(ExpertStatus.away), col(ExpertStatus.away_until),
               col(Identity.platform), col(Identity.tenant), col(Identity.user_id))
        .outerjoin(GroupMember, and_(col(GroupMember.member_id) == col(Member.id), in_groups))
        .outerjoin(ExpertStatus, col(ExpertStatus.member_id) == col(Member.id))
        .outerjoin(Identity, col(Identity.member_id) == col(Member.id))
        .where(col(Member.id).in_(member_ids), col(Member.erased_at).is_(None),
               col(Member.campaign_opt_out).is_(False))
        .order_by(col(Member.id), col(Identity.created_at).desc(), col(Identity.id).desc())
    )
    found: dict[int, Recipient] = {}
    groups: dict[int, set[int]] = {}
    for member_id, locale, zone, group, away, until, platform, tenant, user in (
            await uow.session.exec(statement)).all():
        if group is not None:
            groups.setdefault(member_id, set()).add(group)
        if member_id not in found:  # the first row carries the most recent identity
            address = MemberAddress(platform=platform, tenant=tenant, user_id=user) if platform else None
            found[member_id] = Recipient(locale, zone, frozenset(), address, bool(away), until)
    return {member_id: replace(recipient, groups=frozenset(groups.get(member_id, ())))
            for member_id, recipient in found.items()}


async def campaign_translator(uow: UnitOfWork, campaign: Campaign) -> Translator:
    """Channel posts speak the campaign's first language: the one its author wrote it in."""
    return Translator(campaign.language or "en")


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


def _now(delivery: Delivery) -> datetime:
    return delivery.claimed_at or datetime.now().astimezone()


def _audience_groups(campaign: Campaign) -> frozenset[int]:
    return frozenset(int(group) for group in campaign.audience.get("groups", []))


class RoundMessages:
    """Renders the prompts or reminders of a batch, building each distinct message once."""

    def __init__(self, uow: UnitOfWork, rounds: Rounds, recipients: dict[int, Recipient], reminder: bool,
                 security: SecuritySettings):
        self.uow = uow
        self.security = security
        self.rounds = rounds
        self.recipients = recipients
        self.reminder = reminder
        self._replies: dict[tuple[int | None, str, str], Reply] = {}
        self._answered: dict[int, set[str]] = {}

    async def render(self, delivery: Delivery) -> Outgoing | None:
        found = self.rounds.of(delivery)
        if found is None or found[1].status not in SENDABLE or not is_open(found[0], _now(delivery)):
            return None
        round_, campaign = found
        if delivery.target_kind == "channel":
            return await self._channel_post(delivery, round_, campaign)
        recipient = self.recipients.get(int(delivery.target_id))
        if (recipient is None or recipient.address is None or recipient.away(_now(delivery))
                or not recipient.groups & _audience_groups(campaign)):
            return None
        if self.reminder and await self._has_answered(round_, campaign, int(delivery.target_id)):
            return None
        key = (delivery.round_id, recipient.locale, campaign.timezone or recipient.timezone)
        if (reply := self._replies.get(key)) is None:
            t = Translator(recipient.locale)
            intro = t("campaign.reminder_intro" if self.reminder else "campaign.prompt_intro",
                      title=languages.title_in(campaign, recipient.locale))
            reply = prompt_reply(t, campaign, round_, self._prompts(campaign), key[2], intro)
            self._replies[key] = reply
        return Outgoing(recipient.address, reply)

    def _prompts(self, campaign: Campaign) -> list[CampaignPrompt]:
        assert campaign.id is not None
        return self.rounds.prompts.get(campaign.id, [])

    async def _has_answered(self, round_: Round, campaign: Campaign, member_id: int) -> bool:
        assert round_.id is not None
        if (done := self._answered.get(round_.id)) is None:
            done = self._answered[round_.id] = await answered(self.uow, round_.id)
        return has_answered(done, campaign, round_.id, member_id, self.security)

    async def _channel_post(self, delivery: Delivery, round_: Round, campaign: Campaign) -> Outgoing | None:
        where = await channel_ref(self.uow, delivery.target_id)
        if where is None:
            return None
        t = await campaign_translator(self.uow, campaign)
        reply = prompt_reply(t, campaign, round_, self._prompts(campaign), campaign.timezone or "UTC",
                             t("campaign.prompt_intro_channel", title=languages.title_in(campaign, t.locale)))
        return Outgoing(where, replace(reply, visibility="public"))


async def _render_rounds(uow: UnitOfWork, deliveries: list[Delivery], reminder: bool,
                         settings: Settings) -> list[Outgoing | None]:
    rounds = await load_rounds(uow, deliveries)
    sendable = [d for d in deliveries if (found := rounds.of(d)) and found[1].status in SENDABLE]
    member_ids = {int(d.target_id) for d in sendable if d.target_kind == "member"}
    groups = set().union(*(_audience_groups(campaign) for campaign in rounds.campaigns.values()))
    recipients = await load_recipients(uow, member_ids, groups)
    messages = RoundMessages(uow, rounds, recipients, reminder, settings.security)
    return [await messages.render(delivery) for delivery in deliveries]


async def render_prompts(uow: UnitOfWork, deliveries: list[Delivery],
                         settings: Settings) -> list[Outgoing | None]:
    return await _render_rounds(uow, deliveries, False, settings)


async def render_reminders(uow: UnitOfWork, deliveries: list[Delivery],
                           settings: Settings) -> list[Outgoing | None]:
    """Reminders, each skipped when its member has answered since (``settings.security`` recognises
    the respondents of anonymous campaigns)."""
    return await _render_rounds(uow, deliveries, True, settings)


async def render_second_reminders(uow: UnitOfWork, deliveries: list[Delivery],
                                  settings: Settings) -> list[Outgoing | None]:
    return await _render_rounds(uow, deliveries, True, settings)


async def render_summaries(uow: UnitOfWork, deliveries: list[Delivery],
                           settings: Settings) -> list[Outgoing | None]:
    """Each round's summary, computed once for its animator (direct) and group channels (public), with
    the figures of anonymous prompts withheld under ``settings.campaigns.anonymity_min`` answers."""
    rounds = await load_rounds(uow, deliveries)
    summaries: dict[int | None, RoundSummary] = {}
    results: list[Outgoing | None] = []
    for delivery in deliveries:
        found = rounds.of(delivery)
        if found is None:
            results.append(None)
            continue
        round_, campaign = found
        if (summary := summaries.get(delivery.round_id)) is None:
            summary = summaries[delivery.round_id] = await summarise(uow, campaign, round_)
        minimum = settings.campaigns.anonymity_min
        results.append(await _summary_to(uow, delivery, campaign, summary, minimum))
    return results


async def _summary_to(uow: UnitOfWork, delivery: Delivery, campaign: Campaign, summary: RoundSummary,
                      minimum: int) -> Outgoing | None:
    if delivery.target_kind == "channel":
        where = await channel_ref(uow, delivery.target_id)
        if where is None:
            return None
        reply = render(await campaign_translator(uow, campaign), campaign, summary, minimum)
        return Outgoing(where, replace(reply, visibility="public"))
    member = await uow.session.get(Member, int(delivery.target_id))
    if member is None or member.erased_at is not None or member.id is None:
        return None
    address = (await addresses_of(uow, [member.id])).get(member.id)
    if address is None:
        return None
    return Outgoing(address, render(Translator(member.locale), campaign, summary, minimum))
