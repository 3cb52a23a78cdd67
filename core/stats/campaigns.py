"""Campaign participation per round: members a round's prompt was sent to directly, and how many
answered (anonymous answers counted by their round-keyed respondent hash, never by person).

Two grouped counts over the rounds due in the period, whatever their number; campaigns are those the
viewer may ``campaign show`` (they run them, or they are in their audience), as the permission table
says.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, distinct, func, select

from core.access.rules import permits
from core.access.table import TABLE
from core.campaigns import ownership
from core.campaigns.models import Campaign, Response, Round
from core.delivery.models import Delivery
from core.runtime.db import UnitOfWork
from core.stats.figures import CampaignFigure, RoundFigure


async def participation(uow: UnitOfWork, member_id: int, roles: frozenset[str], first: datetime,
                        end: datetime, groups: tuple[int, ...] | None = None) -> list[CampaignFigure]:
    """Each visible campaign with a round due in ``[first, end)`` (aimed at one of ``groups`` when
    given), its rounds oldest first."""
    rounds = (await uow.session.exec(
        select(Round, Campaign).join(Campaign, col(Campaign.id) == col(Round.campaign_id))
        .where(col(Round.due_at) >= first, col(Round.due_at) < end)
        .order_by(col(Campaign.id), col(Round.index)))).all()
    campaigns = {campaign.id: campaign for _, campaign in rounds}
    known = await ownership.standing(uow, member_id, roles, campaigns.values())
    rule = TABLE["campaign show"]
    shown = {cid for cid, campaign in campaigns.items() if permits(roles, rule, known.relations(campaign))
             and (groups is None or ownership.aimed_at(campaign) & set(groups))}
    ids = [round_.id for round_, campaign in rounds if campaign.id in shown]
    recipients = dict((await uow.session.exec(
        select(Delivery.round_id, func.count()).where(
            col(Delivery.round_id).in_(ids), Delivery.purpose == "prompt", Delivery.target_kind == "member",
            Delivery.status == "sent").group_by(col(Delivery.round_id)))).all()) if ids else {}
    respondents = dict((await uow.session.exec(
        select(Response.round_id, func.count(distinct(col(Response.respondent))))
        .where(col(Response.round_id).in_(ids)).group_by(col(Response.round_id)))).all()) if ids else {}
    found: dict[int, list[RoundFigure]] = {}
    for round_, campaign in rounds:
        if campaign.id in shown and round_.id is not None and campaign.id is not None:
            found.setdefault(campaign.id, []).append(RoundFigure(
                round_.index, round_.due_at.date(), int(recipients.get(round_.id, 0)),
                int(respondents.get(round_.id, 0))))
    return [CampaignFigure(cid, campaigns[cid].title, tuple(figures)) for cid, figures in found.items()]
