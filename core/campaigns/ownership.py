"""A member's relations to a campaign, which the permission table (``core.access.table``) turns into
what they may do with it: ``creator``, ``shared`` (its creator shared it with them), ``audience`` (they
belong to a group it is aimed at), and for answering, ``recipient``.

Privacy rule: a campaign aimed at a group the member cannot see (a private group they are not in) has
no relation to them at all, so every command answers about it exactly as about a campaign that does
not exist — its title, prompts and groups stay unknown. Which groups a member sees is the table's
``SEEING["group"]`` row, the rule ``core.groups.lookup`` follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, literal, union_all
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.access.rules import ANIMATOR, holds, permits
from core.access.table import SEEING, TABLE
from core.activity import audit
from core.campaigns.answers import Target, was_sent_to
from core.campaigns.models import Campaign, CampaignShare
from core.directory.members import roles_of
from core.directory.models import Member
from core.errors import Conflict, InvalidInput
from core.groups.lookup import group_relations
from core.groups.models import Group, GroupChannel, GroupMember
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import model_columns, read_rows, untracked

#: how many campaigns a list shows (the newest)
LISTED = 30


def aimed_at(campaign: Campaign) -> set[int]:
    """The ids of the groups a campaign is aimed at."""
    return {int(group_id) for group_id in campaign.audience.get("groups", [])}


@dataclass(frozen=True)
class Standing:
    """What decides one member's relations to any campaign, read once for one campaign or a list."""

    member_id: int
    roles: frozenset[str]
    #: the groups they belong to
    groups: frozenset[int]
    #: the private groups among those the campaigns in question are aimed at
    private: frozenset[int]
    #: the campaigns shared with them
    shared: frozenset[int]

    def sees_group(self, group_id: int) -> bool:
        relations = group_relations(group_id not in self.private, group_id in self.groups)
        return permits(self.roles, SEEING["group"], relations)

    def sees(self, campaign: Campaign) -> bool:
        """Whether they see every group the campaign is aimed at."""
        return all(self.sees_group(group_id) for group_id in aimed_at(campaign))

    def relations(self, campaign: Campaign) -> frozenset[str]:
        """``creator``, ``shared``, ``audience`` (not of a draft) — or nothing when it is aimed at a
        hidden group."""
        if not self.sees(campaign):
            return frozenset()
        aimed = aimed_at(campaign)
        facts = {"creator"} if campaign.created_by == self.member_id else set()
        if campaign.id in self.shared:
            facts.add("shared")
        if aimed & self.groups and campaign.status != "draft":  # a draft is its managers' alone
            facts.add("audience")
        return frozenset(facts)


@lru_cache(maxsize=1)
def _standing_statement() -> Any:
    """The member's groups (``g``), the campaigns shared with them (``s``) and every private group
    (``p``: few, and only those a campaign is aimed at matter), in one statement."""
    member = bindparam("member", type_=Integer())
    return union_all(
        select(literal("g"), col(GroupMember.group_id)).where(col(GroupMember.member_id) == member),
        select(literal("s"), col(CampaignShare.campaign_id)).where(col(CampaignShare.member_id) == member),
        select(literal("p"), col(Group.id)).where(col(Group.visibility) == "private"))


async def standing(uow: UnitOfWork, member_id: int, roles: frozenset[str],
                   campaigns: Iterable[Campaign]) -> Standing:
    """The member's ``Standing`` towards ``campaigns`` (one small query, however many)."""
    aimed = set().union(*(aimed_at(campaign) for campaign in campaigns))
    found: dict[str, set[int]] = {"g": set(), "s": set(), "p": set()}
    for kind, key in await read_rows(uow, _standing_statement(), {"member": member_id}):
        found[kind].add(key)
    return Standing(member_id, roles, frozenset(found["g"]), frozenset(found["p"] & aimed),
                    frozenset(found["s"]))


async def relations(uow: UnitOfWork, campaign: Campaign, member_id: int,
                    roles: frozenset[str]) -> frozenset[str]:
    """The member's relations to one campaign."""
    return (await standing(uow, member_id, roles, [campaign])).relations(campaign)


@lru_cache(maxsize=1)
def _listed_statement() -> Any:
    """Every campaign, newest first, as columns (``listed`` reads them as rows: no transaction begun,
    no ORM loading — ``campaign list`` only reads)."""
    return select(*model_columns(Campaign)).order_by(col(Campaign.id).desc())


async def listed(uow: UnitOfWork, member_id: int, roles: frozenset[str]) -> list[Campaign]:
    """What ``campaign list`` and the Home tab show a member: the newest ``LISTED`` of the campaigns
    the table lets them see (``campaign show``): those they manage, and those aimed at them."""
    campaigns = [untracked(Campaign, row) for row in await read_rows(uow, _listed_statement())]
    known = await standing(uow, member_id, roles, campaigns)
    rule = TABLE["campaign show"]
    return [c for c in campaigns if permits(roles, rule, known.relations(c))][:LISTED]


async def share(uow: UnitOfWork, campaign: Campaign, person: Member, by: int, now: datetime) -> None:
    """Let ``person``, an animator, manage ``campaign`` as its creator does; audited.

    Refused for its creator, someone who is no animator, someone already sharing it, and someone who
    cannot see every group it is aimed at (the campaign would not exist for them).
    """
    assert campaign.id is not None and person.id is not None
    if person.id == campaign.created_by:
        raise Conflict("campaign.share_creator", who=person.display_name, id=campaign.id)
    roles = await roles_of(uow, person.id)
    if not holds(roles, ANIMATOR):
        raise InvalidInput("campaign.share_not_animator", who=person.display_name)
    if not (await standing(uow, person.id, roles, [campaign])).sees(campaign):
        raise InvalidInput("campaign.share_hidden", who=person.display_name, id=campaign.id)
    if await uow.session.get(CampaignShare, (campaign.id, person.id)) is not None:
        raise Conflict("campaign.already_shared", who=person.display_name, id=campaign.id)
    uow.session.add(CampaignShare(campaign_id=campaign.id, member_id=person.id, shared_by=by, shared_at=now))
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # the same share, twice at once
        raise Conflict("campaign.already_shared", who=person.display_name, id=campaign.id) from exc
    audit.record(uow, by, "campaign.share", f"campaign:{campaign.id}", {"member": person.id}, at=now)


async def _posted_in(uow: UnitOfWork, campaign: Campaign, where: ConversationRef) -> bool:
    """Whether a channel campaign posts its prompts in ``where`` (named, or linked to its groups)."""
    for channel in campaign.audience.get("channels", []):
        if (channel.get("platform"), channel.get("tenant"), channel.get("channel")) == (
                where.platform, where.tenant, where.channel):
            return True
    aimed = aimed_at(campaign)
    if not aimed:
        return False
    statement = select(GroupChannel.id).where(
        col(GroupChannel.group_id).in_(aimed), GroupChannel.platform == where.platform,
        GroupChannel.tenant == where.tenant, GroupChannel.channel_id == where.channel)
    return (await uow.session.exec(statement)).first() is not None


async def answering(uow: UnitOfWork, found: Target, member_id: int,
                    channel: ConversationRef | None) -> frozenset[str]:
    """``{"recipient"}`` when the prompt of this round reached the member: sent to them (a direct
    campaign), or posted where they clicked or in a group of theirs (a channel campaign)."""
    assert found.round.id is not None
    if found.campaign.audience.get("mode") != "channel":  # read with the round when ``found.sent`` is known
        reached = found.sent if found.sent is not None else await was_sent_to(uow, found.round.id, member_id)
    else:
        reached = (channel is not None and await _posted_in(uow, found.campaign, channel)) or bool(
            aimed_at(found.campaign) & set((await uow.session.exec(select(GroupMember.group_id).where(
                GroupMember.member_id == member_id))).all()))
    return frozenset({"recipient"}) if reached else frozenset()
