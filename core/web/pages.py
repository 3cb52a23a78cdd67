"""What the web console's campaign pages show, read for one member under the permission table.

Each function is an entry point (it opens its own transaction) and decides with the same rows as
the chat (``core.access.table``): the list is ``campaign list``'s (``ownership.listed``), a campaign's
results are ``campaign report``'s, with the figures of ``core.campaigns.reports`` — the same as
``parvis report campaign`` — and its anonymity rule. A campaign a member may not even see is "not
found", word for word as one that does not exist, as in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from core.access.rules import permits
from core.access.table import TABLE
from core.campaigns import lifecycle, ownership, reports
from core.campaigns.models import Campaign
from core.errors import Forbidden, NotFound
from core.governance import areas
from core.runtime.db import UnitOfWork
from core.services import Services
from core.stats.campaigns import participation
from core.web.sessions import Visitor

#: every round ever due (the list's participation counts them all)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_END = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CampaignRow:
    """One line of the campaigns page."""

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


async def campaigns(services: Services, visitor: Visitor) -> list[CampaignRow]:
    """The campaigns ``campaign list`` shows the member, newest first, with their participation."""
    require_open(services, "campaign list")
    async with services.db.uow() as uow:
        found = await ownership.listed(uow, visitor.member_id, visitor.roles)
        known = await ownership.standing(uow, visitor.member_id, visitor.roles, found)
        figures = {figure.id: figure for figure in await participation(
            uow, visitor.member_id, visitor.roles, _EPOCH, _END)}
    rows = []
    for campaign in found:
        assert campaign.id is not None
        figure = figures.get(campaign.id)
        rows.append(CampaignRow(
            campaign.id, campaign.title, campaign.status, len(figure.rounds) if figure else 0,
            figure.recipients if figure else 0, figure.respondents if figure else 0,
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


async def results(services: Services, visitor: Visitor, reference: str) -> reports.CampaignReport:
    """Every round's figures of a campaign the member may ``campaign report``."""
    require_open(services, "campaign report")
    async with services.db.uow() as uow:
        await _allowed(uow, visitor, reference, "campaign report")
    return await reports.campaign_report(services.db, reference, services.settings.campaigns.anonymity_min)


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
