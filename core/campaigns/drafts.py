"""Changing a campaign before it runs: ``campaign edit`` (drafts and scheduled campaigns), ``campaign
copy`` (a new draft from any campaign one manages) and ``campaign delete`` (drafts only).

Why drafts only for delete: a campaign that has run holds answers and summaries people gave their
time to; closing it is how it ends. Why no edit once a round exists: the prompts people answered must
stay the prompts the report counts.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from core.activity import audit
from core.campaigns.lifecycle import NewCampaign, prompt_rows, prompts_of
from core.campaigns.models import Campaign, CampaignPrompt, CampaignShare, Round
from core.campaigns.schedules import instant, wall_of
from core.directory.models import Member
from core.errors import Conflict
from core.groups.models import Group
from core.runtime.db import UnitOfWork

EDITABLE = ("draft", "scheduled")
YES, NO = "yes", "no"


def _flag(value: bool) -> str:
    return YES if value else NO


def prompt_line(prompt: CampaignPrompt) -> str:
    """A stored prompt in the form's line syntax (``core.campaigns.form``)."""
    if prompt.kind == "choice":
        return f"{prompt.text} :: " + " | ".join(prompt.options)
    return f"{prompt.text} :: 1-5" if prompt.kind == "scale" else prompt.text


async def form_values(uow: UnitOfWork, campaign: Campaign, creator_zone: str,
                      local_word: str) -> dict[str, str]:
    """What the form shows to edit ``campaign``: every input as it was submitted."""
    assert campaign.id is not None and campaign.starts_at is not None
    zone = campaign.timezone or creator_zone
    start = wall_of(campaign.starts_at, zone)
    until = wall_of(campaign.ends_at, zone) if campaign.ends_at else None
    names = []
    for group_id in campaign.audience.get("groups", []):
        if (group := await uow.session.get(Group, group_id)) is not None:
            names.append(group.name)
    channels = [c["channel"] for c in campaign.audience.get("channels", [])]
    prompts = await prompts_of(uow, campaign.id)
    return {
        "title": campaign.title, "description": campaign.description, "groups": ", ".join(names),
        "mode": campaign.audience.get("mode", "direct"), "channel": channels[0] if channels else "",
        "start": start.date().isoformat(), "time": campaign.local_time, "recurrence": campaign.recurrence,
        "timezone": campaign.timezone or local_word, "count": str(campaign.count or ""),
        "until": until.date().isoformat() if until else "", "skip_weekends": _flag(campaign.skip_weekends),
        "skip_holidays": _flag(campaign.skip_holidays), "reminders": str(campaign.reminders),
        "reminder_after": str((campaign.reminder_after_minutes or 1440) // 60),
        "close_after": str(campaign.close_after_minutes // 60), "anonymous": _flag(campaign.anonymous),
        "summary_channels": _flag(campaign.summary_to_channels),
        "prompts": "\n".join(prompt_line(p) for p in prompts),
        **translations(campaign, prompts),
    }


def translations(campaign: Campaign, prompts: list[CampaignPrompt]) -> dict[str, str]:
    """The form's ``title_fr`` and ``prompts_fr`` inputs from what the campaign holds in French."""
    found: dict[str, str] = {}
    for other, entry in (campaign.texts or {}).items():
        if entry.get("title"):
            found[f"title_{other}"] = str(entry["title"])
    for other in {loc for p in prompts for loc in p.texts}:
        if all(other in p.texts for p in prompts):
            lines = [prompt_line(CampaignPrompt(campaign_id=p.campaign_id, position=p.position, kind=p.kind,
                                                text=p.texts[other].get("text", p.text),
                                                options=list(p.texts[other].get("options") or p.options)))
                     for p in prompts]
            found[f"prompts_{other}"] = "\n".join(lines)
    return found


async def has_rounds(uow: UnitOfWork, campaign_id: int) -> bool:
    found = await uow.session.exec(select(Round.id).where(Round.campaign_id == campaign_id))
    return found.first() is not None


async def check_editable(uow: UnitOfWork, campaign: Campaign) -> None:
    """Drafts and scheduled campaigns whose first round has not come: anything else is a Conflict."""
    assert campaign.id is not None
    if campaign.status not in EDITABLE or await has_rounds(uow, campaign.id):
        raise Conflict("campaign.cannot_edit", id=campaign.id, title=campaign.title, status=campaign.status)


async def update(uow: UnitOfWork, campaign: Campaign, new: NewCampaign, by: int, now: datetime) -> Campaign:
    """``campaign`` as the edited form describes it; its prompts replaced; audited."""
    await check_editable(uow, campaign)
    assert campaign.id is not None
    zone = new.zone
    channels = [{"platform": c.platform, "tenant": c.tenant, "channel": c.channel} for c in new.channels]
    for name, value in {
        "title": new.title, "description": new.description, "language": new.language,
        "texts": dict(new.texts), "audience": {"groups": list(new.group_ids), "channels": channels,
                                                "mode": new.mode},
        "starts_at": instant(new.start, zone), "recurrence": new.recurrence,
        "ends_at": instant(new.until, zone) if new.until else None, "count": new.count,
        "timezone": zone or "", "local_time": f"{new.local_time:%H:%M}", "skip_weekends": new.skip_weekends,
        "skip_holidays": new.skip_holidays, "reminders": new.reminders,
        "reminder_after_minutes": new.reminder_after_minutes, "close_after_minutes": new.close_after_minutes,
        "anonymous": new.anonymous, "summary_to_channels": new.summary_to_channels,
    }.items():
        setattr(campaign, name, value)
    uow.session.add(campaign)
    await uow.session.exec(delete(CampaignPrompt).where(col(CampaignPrompt.campaign_id) == campaign.id))
    await uow.session.flush()
    uow.session.add_all(prompt_rows(campaign.id, new))
    await uow.session.flush()
    audit.record(uow, by, "campaign.edit", f"campaign:{campaign.id}", {"status": campaign.status}, at=now)
    return campaign


def _next_start(start: datetime, now: datetime) -> datetime:
    """The same time of day, on the first day still to come (a copy of last month's campaign)."""
    if start >= now:
        return start
    return start + timedelta(days=(now - start).days + 1)


async def copy(uow: UnitOfWork, campaign: Campaign, by: Member, now: datetime) -> Campaign:
    """A new draft like ``campaign``, made by ``by``, starting no earlier than tomorrow; audited."""
    assert campaign.id is not None and by.id is not None
    fields = campaign.model_dump(exclude={"id", "status", "created_by", "created_at", "anonymity_salt"})
    twin = Campaign(**fields, status="draft", created_by=by.id, created_at=now,
                    anonymity_salt=secrets.token_hex(16))
    if twin.starts_at is not None:
        twin.starts_at = _next_start(twin.starts_at, now)
    uow.session.add(twin)
    await uow.session.flush()
    assert twin.id is not None
    uow.session.add_all([CampaignPrompt(campaign_id=twin.id, position=p.position, kind=p.kind, text=p.text,
                                        options=list(p.options), texts=dict(p.texts))
                         for p in await prompts_of(uow, campaign.id)])
    await uow.session.flush()
    audit.record(uow, by.id, "campaign.copy", f"campaign:{twin.id}", {"from": campaign.id}, at=now)
    return twin


async def remove(uow: UnitOfWork, campaign: Campaign, by: int, now: datetime) -> None:
    """Delete a draft (its prompts and shares go with it); any other status is a Conflict."""
    if campaign.status != "draft":
        raise Conflict("campaign.cannot_delete", id=campaign.id, title=campaign.title, status=campaign.status)
    audit.record(uow, by, "campaign.delete", f"campaign:{campaign.id}", {"title": campaign.title}, at=now)
    for child in (CampaignPrompt, CampaignShare):  # not left to the foreign keys' cascade alone
        await uow.session.exec(delete(child).where(col(child.campaign_id) == campaign.id))
    await uow.session.delete(campaign)
    await uow.session.flush()
