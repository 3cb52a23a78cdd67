"""What is waiting for a member, gathered from the services that own each part.

Three parts, each a thing the member can still act on:

- the questions routed to them (``core.experts.questions.listing``'s ``assigned``): Answer / Pass;
- the campaign prompts sent to them in a round still open that they have not answered in full (a
  direct campaign's ``prompt`` delivery to them, the campaign still running): Open, which shows the
  prompt again with its answer buttons (``core.campaigns.reopen_commands``);
- the answers to their questions they have not yet marked Helpful / Not helpful.

Nothing here decides who may do what: every action is checked again by its handler against the
permission table when it is used, so a listing that went stale is refused there with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, or_, select

from core.campaigns.answers import answered_prompts
from core.campaigns.models import Campaign, CampaignPrompt, Round
from core.delivery.models import Delivery
from core.errors import ConfigError
from core.experts import questions
from core.experts.models import Question
from core.runtime.db import UnitOfWork
from core.settings import SecuritySettings

#: the campaign statuses whose open rounds still take answers from the inbox
ANSWERABLE = ("scheduled", "running")
#: the prompt deliveries that reached, or should have reached, the member (a failed send is missed too)
REACHED = ("sent", "failed")
#: at most this many of each part are listed
SHOWN = 20


@dataclass(frozen=True)
class WaitingPrompt:
    """A round of a campaign the member has not answered in full."""

    round: Round
    campaign: Campaign
    total: int
    unanswered: int


@dataclass(frozen=True)
class ReceivedAnswer:
    """An answer to one of the member's questions, not yet marked helpful or not."""

    question: Question
    text: str
    expert: str


@dataclass(frozen=True)
class Inbox:
    """One member's waiting items, oldest first in each part."""

    assigned: tuple[Question, ...]
    prompts: tuple[WaitingPrompt, ...]
    answers: tuple[ReceivedAnswer, ...]

    @property
    def empty(self) -> bool:
        return not (self.assigned or self.prompts or self.answers)


async def _answers(uow: UnitOfWork, member_id: int) -> tuple[ReceivedAnswer, ...]:
    statement = (select(Question).where(Question.asker_id == member_id, Question.status == "answered",
                                        col(Question.helpful).is_(None))
                 .order_by(col(Question.id)).limit(SHOWN))
    rows = list((await uow.session.exec(statement)).all())
    texts = await questions.latest_answers(uow, [q.id for q in rows if q.id is not None])
    return tuple(ReceivedAnswer(q, *texts[q.id]) for q in rows if q.id in texts)


async def _open_rounds(uow: UnitOfWork, member_id: int, now: datetime) -> list[tuple[Round, Campaign]]:
    """The open rounds of running campaigns whose prompt was sent to the member."""
    statement = (select(Round, Campaign)
                 .join(Campaign, col(Campaign.id) == col(Round.campaign_id))
                 .join(Delivery, col(Delivery.round_id) == col(Round.id))
                 .where(Delivery.purpose == "prompt", Delivery.target_kind == "member",
                        Delivery.target_id == str(member_id), col(Delivery.status).in_(REACHED),
                        col(Round.closed_at).is_(None),
                        or_(col(Round.closes_at).is_(None), col(Round.closes_at) > now),
                        col(Campaign.status).in_(ANSWERABLE))
                 .order_by(col(Round.due_at), col(Round.id)).limit(SHOWN))
    return list((await uow.session.exec(statement)).all())


async def _prompts(uow: UnitOfWork, member_id: int, now: datetime,
                   security: SecuritySettings) -> tuple[WaitingPrompt, ...]:
    waiting = []
    for round_, campaign in await _open_rounds(uow, member_id, now):
        total = len((await uow.session.exec(select(CampaignPrompt.id).where(
            CampaignPrompt.campaign_id == campaign.id))).all())
        try:
            done = len(await answered_prompts(uow, round_, campaign, member_id, security))
        except ConfigError:  # an anonymous campaign on a server with no secret: nobody can answer it
            continue
        if done < total:
            waiting.append(WaitingPrompt(round_, campaign, total, total - done))
    return tuple(waiting)


async def inbox_of(uow: UnitOfWork, member_id: int, roles: frozenset[str], now: datetime,
                   security: SecuritySettings, closed: Iterable[str] = ()) -> Inbox:
    """What is waiting for the member, within ``uow``; nothing of a switched-off area (``closed``:
    ``[rollout] disabled_areas``), whose buttons would be refused."""
    closed = frozenset(closed)
    experts, campaigns = "experts" not in closed, "campaigns" not in closed
    assigned = (await questions.listing(uow, member_id, roles))[1] if experts else []
    return Inbox(assigned=tuple(assigned[:SHOWN]),
                 prompts=await _prompts(uow, member_id, now, security) if campaigns else (),
                 answers=await _answers(uow, member_id) if experts else ())
