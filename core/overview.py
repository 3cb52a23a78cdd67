"""A member's overview: their groups, their open questions and the campaigns they can see.

What a platform shows a member at a glance (the Slack Home tab). It holds no rule of its own: each
part comes from the function behind the matching command, so the overview can never show more, or
other, than the member would get by asking: the groups are ``group list``'s (``core.groups.lookup``),
the questions ``question list``'s (``core.experts.questions.listing``) and the campaigns
``campaign list``'s (``core.campaigns.ownership.listed``), and what is waiting for them ``inbox``'s
(``core.inbox.waiting``). It returns plain values, to be worded by the adapter in ``Overview.locale``,
the member's language (the inbox with ``core.inbox.view``, as the command words it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.campaigns import ownership
from core.campaigns.models import Campaign
from core.directory.members import resolve
from core.experts import questions
from core.experts.models import Question
from core.groups import lookup
from core.inbox.waiting import Inbox, inbox_of

if TYPE_CHECKING:
    from core.commands import Actor
    from core.runtime.db import UnitOfWork
    from core.services import Services


@dataclass(frozen=True)
class GroupItem:
    name: str
    slug: str


@dataclass(frozen=True)
class QuestionItem:
    id: int
    text: str
    #: ``Question.status``: ``open``, ``routed``, ``escalated``, ``answered``…
    status: str


@dataclass(frozen=True)
class CampaignItem:
    id: int
    title: str
    #: ``Campaign.status``: ``draft``, ``scheduled``, ``running``, ``paused``, ``closed``
    status: str


@dataclass(frozen=True)
class Overview:
    """One member's overview; the question parts are ``question list``'s three."""

    locale: str
    groups: tuple[GroupItem, ...]
    asked: tuple[QuestionItem, ...]
    assigned: tuple[QuestionItem, ...]
    escalated: tuple[QuestionItem, ...]
    campaigns: tuple[CampaignItem, ...]
    #: what ``inbox`` shows: questions to answer, prompts not answered, answers not yet rated
    inbox: Inbox = Inbox((), (), ())
    #: the member's time zone, for the inbox's dates
    timezone: str = "UTC"

    @property
    def questions(self) -> tuple[QuestionItem, ...]:
        return self.asked + self.assigned + self.escalated


def _question(question: Question) -> QuestionItem:
    assert question.id is not None
    return QuestionItem(id=question.id, text=question.text, status=question.status)


def _campaign(campaign: Campaign) -> CampaignItem:
    assert campaign.id is not None
    return CampaignItem(id=campaign.id, title=campaign.title, status=campaign.status)


async def member_overview(uow: UnitOfWork, member_id: int, roles: frozenset[str], locale: str,
                          waiting: Inbox | None = None, timezone: str = "UTC") -> Overview:
    """The overview of one member, holding ``roles``, within ``uow`` (``waiting``: their inbox)."""
    viewer = lookup.Viewer(member_id=member_id, admin="admin" in roles)
    groups = [GroupItem(name=item.group.name, slug=item.group.slug)
              for item in await lookup.summaries(uow, viewer) if item.my_role is not None]
    asked, assigned, escalated = await questions.listing(uow, member_id, roles)
    campaigns = await ownership.listed(uow, member_id, roles)
    return Overview(locale=locale, groups=tuple(groups), asked=tuple(map(_question, asked)),
                    assigned=tuple(map(_question, assigned)), escalated=tuple(map(_question, escalated)),
                    campaigns=tuple(map(_campaign, campaigns)), inbox=waiting or Inbox((), (), ()),
                    timezone=timezone)


async def overview(services: Services, actor: Actor) -> Overview:
    """The overview of the member behind ``actor`` (resolved, or created, as for a command)."""
    who = await resolve(services, actor)
    async with services.db.uow() as uow:
        settings = services.settings
        waiting = await inbox_of(uow, who.member_id, who.roles, services.clock.now(), settings.security,
                                 settings.rollout.disabled_areas)
        return await member_overview(uow, who.member_id, who.roles, who.locale, waiting, who.timezone)
