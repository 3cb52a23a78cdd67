"""What the web console's campaign pages show, read for one member under the permission table.

Each function is an entry point (it opens its own transaction) and decides with the same rows as
the chat (``core.access.table``): the list is ``campaign list``'s (``ownership.listed``), a campaign's
results are ``campaign report``'s, with the figures of ``core.campaigns.reports`` — the same as
``parvis report campaign`` — and its anonymity rule. A campaign a member may not even see is "not
found", word for word as one that does not exist, as in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, distinct, func, select

from core.access.rules import permits
from core.access.table import TABLE
from core.campaigns import lifecycle, ownership, reports
from core.campaigns.models import Campaign, Response, Round
from core.delivery.models import Delivery
from core.errors import Forbidden, NotFound
from core.governance import areas
from core.runtime.db import UnitOfWork
from core.services import Services
from core.web.sessions import Visitor


@dataclass(frozen=True)
class CampaignRow:
    """One line of the campaigns page: its participation is its latest round's."""

    id: int
    title: str
    status: str
    rounds: int
    recipients: int
    respondents: int
    #: whether the member runs it (start, pause, results…), not only takes part
    manager: bool

    @property
    def rate(self) -> int | None:
        return round(100 * self.respondents / self.recipients) if self.recipients else None


def require_open(services: Services, name: str) -> None:
    """Refuse a page of an area ``[rollout.areas]`` switched off, as the chat's gate does."""
    if not areas.is_open(name, services.settings.rollout.disabled_areas):
        raise Forbidden("rollout.area_closed", area=str(areas.area_of(name)))


async def _latest(uow: UnitOfWork, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Campaign → (rounds held, recipients and respondents of its latest round), counted as ``stats``
    counts them (``core.stats.campaigns``): prompts sent to members directly, distinct respondents."""
    if not ids:
        return {}
    held = (await uow.session.exec(select(Round.campaign_id, func.count(), func.max(Round.id))
                                   .where(col(Round.campaign_id).in_(ids))
                                   .group_by(col(Round.campaign_id)))).all()
    latest = {int(last or 0): int(campaign) for campaign, _, last in held}
    sent = dict((await uow.session.exec(select(Delivery.round_id, func.count()).where(
        col(Delivery.round_id).in_(latest), Delivery.purpose == "prompt", Delivery.target_kind == "member",
        Delivery.status == "sent").group_by(col(Delivery.round_id)))).all()) if latest else {}
    answered = dict((await uow.session.exec(
        select(Response.round_id, func.count(distinct(col(Response.respondent))))
        .where(col(Response.round_id).in_(latest)).group_by(col(Response.round_id)))).all()) if latest else {}
    return {int(campaign): (int(count), int(sent.get(last or 0, 0)), int(answered.get(last or 0, 0)))
            for campaign, count, last in held}


async def campaigns(services: Services, visitor: Visitor) -> list[CampaignRow]:
    """The campaigns ``campaign list`` shows the member, newest first, with their participation."""
    require_open(services, "campaign list")
    async with services.db.uow() as uow:
        found = await ownership.listed(uow, visitor.member_id, visitor.roles)
        known = await ownership.standing(uow, visitor.member_id, visitor.roles, found)
        figures = await _latest(uow, [c.id for c in found if c.id is not None])
    rows = []
    for campaign in found:
        assert campaign.id is not None
        held, recipients, respondents = figures.get(campaign.id, (0, 0, 0))
        rows.append(CampaignRow(campaign.id, campaign.title, campaign.status, held, recipients, respondents,
                                permits(visitor.roles, TABLE["campaign report"], known.relations(campaign))))
    return rows


async def _allowed(uow: UnitOfWork, visitor: Visitor, reference: str, command: str) -> Campaign:
    """The campaign, if the table lets the member ``command`` it (``core.campaigns.commands``' rule)."""
    campaign = await lifecycle.get(uow, reference)
    facts = await ownership.relations(uow, campaign, visitor.member_id, visitor.roles)
    if not permits(visitor.roles, TABLE["campaign show"], facts):
        raise NotFound("campaign.not_found", ref=reference)
    rule = TABLE[command]
    if not permits(visitor.roles, rule, facts):
        raise Forbidden("campaign.not_manager", id=campaign.id, title=campaign.title)
    return campaign


async def results(services: Services, visitor: Visitor, reference: str, texts: int | None = None
                  ) -> reports.CampaignReport:
    """Every round's figures of a campaign the member may ``campaign report`` (``texts``: the most text
    answers listed per prompt and round, ``None`` for all — the CSV)."""
    require_open(services, "campaign report")
    async with services.db.uow() as uow:
        campaign = await _allowed(uow, visitor, reference, "campaign report")
        return await reports.report_of(uow, campaign, services.settings.campaigns.anonymity_min, texts)


@dataclass(frozen=True)
class PromptView:
    position: int
    kind: str
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class CampaignView:
    """A campaign as its page shows it to a member who may ``campaign show`` it."""

    id: int
    title: str
    status: str
    anonymous: bool
    recurrence: str
    timezone: str | None
    starts_at: datetime | None
    prompts: tuple[PromptView, ...]
    manager: bool


async def campaign(services: Services, visitor: Visitor, reference: str) -> CampaignView:
    require_open(services, "campaign show")
    async with services.db.uow() as uow:
        found = await _allowed(uow, visitor, reference, "campaign show")
        assert found.id is not None
        facts = await ownership.relations(uow, found, visitor.member_id, visitor.roles)
        prompts = await lifecycle.prompts_of(uow, found.id)
    return CampaignView(found.id, found.title, found.status, found.anonymous, found.recurrence,
                        found.timezone or None, found.starts_at,
                        tuple(PromptView(p.position, p.kind, p.text, tuple(p.options or ()))
                              for p in prompts),
                        permits(visitor.roles, TABLE["campaign start"], facts))
