"""Campaign lifecycle: create (from the ``campaign new`` form), start, pause, resume, close.

Services here decide and write within the caller's unit of work and never commit: a refused creation
(schedule in the past, a rule that never fires, no prompts, nobody to reach) raises before anything is
flushed, so nothing is half-created. What the form asks is read by ``core.campaigns.form``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlmodel import col, func, select

from core.campaigns.models import Campaign, CampaignPrompt
from core.campaigns.schedules import Schedule, first, instant, wall_of
from core.directory.models import Member
from core.errors import Conflict, InvalidInput, NotFound
from core.groups.models import GroupChannel, GroupMember
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": (("draft",), "scheduled"),
    "pause": (("scheduled", "running"), "paused"),
    "resume": (("paused",), "running"),
}


@dataclass(frozen=True)
class NewPrompt:
    kind: str
    text: str
    options: tuple[str, ...] = ()
    #: its other languages: ``{"fr": {"text": …, "options": […]}}``
    texts: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class NewCampaign:
    """A campaign as the form described it, each value already checked."""

    title: str
    description: str
    template: str | None
    group_ids: tuple[int, ...]
    channels: tuple[ConversationRef, ...]
    mode: str
    start: datetime
    local_time: time
    recurrence: str
    zone: str | None
    count: int | None
    until: datetime | None
    skip_weekends: bool
    skip_holidays: bool
    reminders: int
    reminder_after_minutes: int
    close_after_minutes: int
    anonymous: bool
    summary_to_channels: bool
    prompts: tuple[NewPrompt, ...]
    #: the language of the texts above, and the other languages given (``core.campaigns.languages``)
    language: str = "en"
    texts: dict[str, Any] = field(default_factory=dict, compare=False)

    def schedule(self) -> Schedule:
        return Schedule(self.start, self.recurrence, self.zone, self.count, self.until, self.skip_weekends)


def schedule_of(campaign: Campaign) -> Schedule:
    """The wall-clock schedule a campaign row stores (instants are kept in its zone, or UTC)."""
    zone = campaign.timezone or None
    assert campaign.starts_at is not None
    until = wall_of(campaign.ends_at, zone) if campaign.ends_at is not None else None
    return Schedule(wall_of(campaign.starts_at, zone), campaign.recurrence, zone, campaign.count, until,
                    campaign.skip_weekends)


def check_schedule(new: NewCampaign, now: datetime, creator_zone: str) -> None:
    """Refuse a start in the past and a rule that never fires, before anything is written."""
    if instant(new.start, new.zone or creator_zone) < now:
        raise InvalidInput("campaign.start_in_past", start=new.start)
    if first(new.schedule()) is None:
        raise InvalidInput("campaign.never_fires", value=new.recurrence or "—")


async def reachable_members(uow: UnitOfWork, group_ids: tuple[int, ...] | list[int]) -> list[Member]:
    """Members of the groups who may get prompts: not erased, not opted out; each once."""
    if not group_ids:
        return []
    statement = (select(Member).join(GroupMember, col(GroupMember.member_id) == col(Member.id))
                 .where(col(GroupMember.group_id).in_(group_ids), col(Member.erased_at).is_(None),
                        col(Member.campaign_opt_out).is_(False))
                 .distinct().order_by(col(Member.id)))
    return list((await uow.session.exec(statement)).all())


async def linked_channels(uow: UnitOfWork, group_ids: tuple[int, ...] | list[int]) -> list[GroupChannel]:
    if not group_ids:
        return []
    statement = select(GroupChannel).where(col(GroupChannel.group_id).in_(group_ids)).order_by(
        col(GroupChannel.id))
    return list((await uow.session.exec(statement)).all())


async def check_audience(uow: UnitOfWork, new: NewCampaign) -> None:
    """An audience that reaches nobody is refused: no member to message, or no channel to post in."""
    if new.mode == "channel":
        if not new.channels and not await linked_channels(uow, new.group_ids):
            raise InvalidInput("campaign.no_channels")
    elif not await reachable_members(uow, new.group_ids):
        raise InvalidInput("campaign.no_members")


def prompt_rows(campaign_id: int, new: NewCampaign) -> list[CampaignPrompt]:
    """The prompt rows of a campaign the form described, in order."""
    return [CampaignPrompt(campaign_id=campaign_id, position=n, kind=p.kind, text=p.text,
                           options=list(p.options), texts=dict(p.texts))
            for n, p in enumerate(new.prompts, 1)]


def _audience(new: NewCampaign) -> dict[str, object]:
    channels = [{"platform": c.platform, "tenant": c.tenant, "channel": c.channel} for c in new.channels]
    return {"groups": list(new.group_ids), "channels": channels, "mode": new.mode}


async def create(uow: UnitOfWork, creator: Member, new: NewCampaign, now: datetime) -> Campaign:
    """A draft campaign with its prompts, once every check has passed."""
    if not new.prompts:
        raise InvalidInput("campaign.no_prompts")
    check_schedule(new, now, creator.timezone)
    await check_audience(uow, new)
    zone = new.zone
    campaign = Campaign(
        title=new.title, description=new.description, language=new.language, texts=dict(new.texts),
        template=new.template, created_by=creator.id,
        audience=_audience(new), starts_at=instant(new.start, zone), recurrence=new.recurrence,
        ends_at=instant(new.until, zone) if new.until else None, count=new.count, timezone=zone or "",
        local_time=f"{new.local_time:%H:%M}", skip_weekends=new.skip_weekends,
        skip_holidays=new.skip_holidays, reminders=new.reminders,
        reminder_after_minutes=new.reminder_after_minutes, close_after_minutes=new.close_after_minutes,
        anonymous=new.anonymous, summary_to_channels=new.summary_to_channels,
        anonymity_salt=secrets.token_hex(16), status="draft", created_at=now)
    uow.session.add(campaign)
    await uow.session.flush()
    assert campaign.id is not None
    uow.session.add_all(prompt_rows(campaign.id, new))
    await uow.session.flush()
    return campaign


async def get(uow: UnitOfWork, reference: str) -> Campaign:
    """The campaign ``#12`` or ``12`` names."""
    digits = reference.strip().lstrip("#")
    campaign = await uow.session.get(Campaign, int(digits)) if digits.isdigit() else None
    if campaign is None:
        raise NotFound("campaign.not_found", ref=reference.strip())
    return campaign


async def prompts_of(uow: UnitOfWork, campaign_id: int) -> list[CampaignPrompt]:
    statement = select(CampaignPrompt).where(CampaignPrompt.campaign_id == campaign_id).order_by(
        col(CampaignPrompt.position))
    return list((await uow.session.exec(statement)).all())


async def transition(uow: UnitOfWork, campaign: Campaign, verb: str) -> Campaign:
    """``start``, ``pause`` or ``resume``; any other state is a Conflict naming the current one."""
    allowed, target = TRANSITIONS[verb]
    if campaign.status not in allowed:
        raise Conflict(f"campaign.cannot_{verb}", id=campaign.id, status=campaign.status)
    if verb == "resume" and await _round_count(uow, campaign) == 0:
        target = "scheduled"
    campaign.status = target
    uow.session.add(campaign)
    await uow.session.flush()
    return campaign


async def _round_count(uow: UnitOfWork, campaign: Campaign) -> int:
    from core.campaigns.models import Round

    statement = select(func.count()).select_from(Round).where(Round.campaign_id == campaign.id)
    return int((await uow.session.exec(statement)).one())


async def set_opt_out(uow: UnitOfWork, member: Member, opted_out: bool) -> bool:
    """Opt out of (or back into) every campaign; returns whether anything changed."""
    row = await uow.session.get(Member, member.id)
    assert row is not None
    if row.campaign_opt_out == opted_out:
        return False
    row.campaign_opt_out = opted_out
    uow.session.add(row)
    return True
