"""Moving a question from expert to expert, escalating to referents, and telling people about it.

A routed question has one assignee and a ``deadline_at`` in the database: ``[experts]
answer_timeout_minutes`` of the assignee's working time (``core.experts.working_hours``; plain time when no
``working_hours`` are configured). When the assignee passes or the deadline goes by
(``expire_due_questions``, a periodic job, so a deadline that passed while no process ran is enforced
at the next start), the next available expert who has not seen it yet gets it, fewest open questions
first. After ``max_hops`` experts, or when nobody is left, the topic's referent gets it (a referent for
one of its skills, else anyone with the ``referent`` role), with the same Answer / Pass card and
deadline, and the asker is told; a referent who passes or runs out of time hands it to the next
referent who has not had it, then to the contacts of ``[experts] fallback`` in their order
(``core.experts.handoff``). Nobody away and nobody unreachable (a member with no identity on any
platform, imported, never seen, cannot receive the card) is ever chosen. When nobody is left at all,
the question expires (listed to its asker as unassigned) and the asker is told honestly why.
Messages to other people are written to the outbox in the same transaction
(``core.experts.notices``), their rows returned to the caller (``Routed.notices``) and sent by
``deliver`` right after it commits — each built at send time in its recipient's language, and retried
by the dispatcher if its platform fails: a command handler queues ``deliver`` with
``ctx.after_commit``, the deadline job calls it once its own transaction is committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Integer, bindparam
from sqlmodel import col, select

from core.delivery.immediate import send_now, send_soon
from core.delivery.outbox import Source
from core.directory.models import Member, Skill
from core.directory.search import rank_experts, writer_rows
from core.experts import handoff, notices
from core.experts.models import Question, QuestionRoute
from core.experts.notices import EXPERT, FALLBACK, NEXT_REFERENT, REFERENT
from core.experts.working_hours import working_deadline
from core.runtime.db import UnitOfWork
from core.settings import ExpertSettings
from core.text import shorten

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
DUE_BATCH = 50


#: the outbox rows a change wrote (``core.experts.notices``), to send right after its commit
NoticeList = list[int]


@dataclass
class Routed:
    """Where a question went (``routed``: an expert holds it, ``escalated``: a referent does,
    ``nobody``: it expired) and the messages it wrote to the outbox, to send once the transaction
    commits."""

    result: str
    notices: NoticeList = field(default_factory=list)
    #: how the holder was reached (``notices.EXPERT``, ``REFERENT``, ``NEXT_REFERENT``, ``FALLBACK``)
    stage: str = ""
    #: when ``nobody``: why (a key of ``[question.handoff]``, ``core.experts.handoff.why_nobody``)
    why: str = ""
    #: the holder's display name ("" when nobody holds it), for the reply
    holder: str = ""


@dataclass(frozen=True)
class Holder:
    """Who takes the question next, how they were reached, and what assigning it needs of them."""

    member_id: int
    stage: str
    name: str
    zone: str


#: the name and time zone of the member a question goes to (one small indexed read)
_HOLDER = select(Member.display_name, Member.timezone).where(
    col(Member.id) == bindparam("member", type_=Integer()))


async def deliver(services: Services, notices: NoticeList) -> None:
    """Send the messages a committed change wrote to the outbox, right away; a send that fails stays
    in the outbox and is retried, and never undoes the change."""
    await send_now(services, notices)


async def deliver_soon(services: Services, notices: NoticeList) -> None:
    """``deliver`` for a command: once its transaction has committed, the sends start beside its reply
    (``core.delivery.immediate.send_soon``) rather than before it."""
    await send_soon(services, notices)


async def skill_scores(uow: UnitOfWork, names: list[str]) -> dict[int, float]:
    """The question's matched skills (stored by name) as search scores."""
    if not names:
        return {}
    ids = (await uow.session.exec(select(Skill.id).where(col(Skill.name).in_(names)))).all()
    return {skill_id: 100.0 for skill_id in ids if skill_id is not None}


async def routes_of(uow: UnitOfWork, question_id: int) -> list[QuestionRoute]:
    return list((await uow.session.exec(select(QuestionRoute).where(
        QuestionRoute.question_id == question_id).order_by(col(QuestionRoute.id)))).all())


async def next_expert(uow: UnitOfWork, scores: dict[int, float], now: datetime,
                      exclude: set[int]) -> Holder | None:
    """The best available expert who can be messaged, with their name and time zone, in one query:
    the ranking of those with an identity on some platform (imported members never seen on a
    platform are passed over; ``expert find`` still lists them). In a directory imported before most
    people use Parvis, paging through the unreachable best ones first cost a query pair per page."""
    ranked = await rank_experts(uow, scores, now, limit=1, exclude=exclude, available_only=True,
                                by_load=True, reachable_only=True, writing=True)
    return Holder(ranked[0].member_id, EXPERT, ranked[0].name, ranked[0].zone) if ranked else None


async def _holder(uow: UnitOfWork, member_id: int, stage: str) -> Holder:
    rows = await writer_rows(uow, _HOLDER, {"member": member_id})
    name, zone = (str(rows[0][0]), str(rows[0][1])) if rows else ("", "UTC")
    return Holder(member_id, stage, name, zone)


async def choose(uow: UnitOfWork, question: Question, scores: dict[int, float], exclude: set[int],
                 now: datetime, policy: ExpertSettings, *, referents_only: bool = False) -> Holder | None:
    """The next holder of the question, by reads only: the next expert, else a referent, else a
    fallback contact; ``None`` when nobody is left."""
    if not referents_only and question.hops < policy.max_hops:
        expert = await next_expert(uow, scores, now, exclude)
        if expert is not None:
            return expert
    referent = await handoff.find_referent(uow, list(scores), exclude, now)
    if referent is not None:
        member_id, name, zone = referent
        return Holder(member_id, NEXT_REFERENT if referents_only else REFERENT, name, zone)
    contact = await handoff.find_fallback(uow, policy.fallback, exclude, now)
    if contact is not None:
        return await _holder(uow, contact, FALLBACK)
    return None


async def _assign(uow: UnitOfWork, question: Question, holder: Holder, now: datetime,
                  policy: ExpertSettings) -> NoticeList:
    """Hand the question to ``holder`` until a deadline counted in their working hours; its card
    goes to the outbox. A question not saved yet is saved here, already routed (one ``INSERT``)."""
    due = working_deadline(now, policy.answer_timeout_minutes, policy.working_hours, holder.zone)
    question.assignee_id, question.deadline_at = holder.member_id, due
    question.status = "routed" if holder.stage == EXPERT else "escalated"
    if holder.stage != EXPERT and question.escalated_at is None:
        question.escalated_at = now
    if question.id is None:
        uow.session.add(question)
        await uow.session.flush()
    assert question.id is not None
    route = QuestionRoute(question_id=question.id, expert_id=holder.member_id, routed_at=now)
    uow.session.add(route)
    await uow.session.flush()
    return await notices.enqueue_card(uow, route, holder.stage, now)


async def route_next(uow: UnitOfWork, question: Question, now: datetime, policy: ExpertSettings, *,
                     referents_only: bool = False, scores: dict[int, float] | None = None) -> Routed:
    """Give the question to the next expert, else to a referent, else to a fallback contact, else
    let it expire (listed to its asker as unassigned).

    ``referents_only``: a referent already had it, so it never goes back to the experts. A question
    not saved yet (``ask``) has been tried by nobody; ``scores`` are its skills as the caller matched
    them (else read by name). Its holder is then chosen by reads before the transaction writes
    anything (on SQLite those need no hop to the driver thread), and it is saved already routed.
    """
    tried: set[int] = set()
    if question.id is not None:
        tried = {r.expert_id for r in await routes_of(uow, question.id) if r.expert_id is not None}
    exclude = tried | ({question.asker_id} if question.asker_id else set())
    if scores is None:
        scores = await skill_scores(uow, question.skills)
    holder = await choose(uow, question, scores, exclude, now, policy, referents_only=referents_only)
    if holder is not None:
        written = await _assign(uow, question, holder, now, policy)
        return Routed("routed" if holder.stage == EXPERT else "escalated", written, holder.stage,
                      holder=holder.name)
    question.status, question.assignee_id, question.deadline_at = "expired", None, None
    question.closed_at = now
    uow.session.add(question)
    return Routed("nobody", why=await handoff.why_nobody(uow, list(scores), tried, question.asker_id))


async def move_on(uow: UnitOfWork, question: Question, route: QuestionRoute | None, outcome: str,
                  now: datetime, policy: ExpertSettings) -> Routed:
    """Close the current holder's turn (passed or timed out) and route the question further.

    After a referent's turn only other referents are tried; the asker hears of every escalation and,
    honestly, of the end when nobody is left.
    """
    after_referent = question.status == "escalated"
    question.hops += 1
    if route is not None:
        route.outcome, route.outcome_at = outcome, now
    routed = await route_next(uow, question, now, policy, referents_only=after_referent)
    result = routed.result
    if route is not None:
        card_key = ("question.referent.card_last" if result == "nobody" else
                    "question.card_passed" if outcome == "passed" else "question.card_timed_out")
        routed.notices += await notices.enqueue_card_update(uow, route, card_key, {"id": question.id}, now)
    if result != "routed":
        routed.notices += await _tell_asker(uow, question, routed, now)
    return routed


async def _tell_asker(uow: UnitOfWork, question: Question, routed: Routed, now: datetime) -> NoticeList:
    """What the asker hears when their question reaches a referent or a fallback contact, or nobody:
    the words say what really happened (who has it now; why nobody could take it)."""
    told = {"id": question.id, "text": shorten(question.text, 200), "referent": routed.holder}
    if routed.result == "nobody":
        key = f"question.handoff.told_nobody_{routed.why}"
    else:
        key = {REFERENT: "question.told_escalated", NEXT_REFERENT: "question.referent.told_next",
               FALLBACK: "question.handoff.told_fallback"}[routed.stage]
    source = Source("question", f"{question.id}/{question.hops}")
    return await notices.enqueue_notice(uow, source, question.asker_id, key, told, now)


def current_route(routes: list[QuestionRoute], member_id: int | None) -> QuestionRoute | None:
    """The open turn of ``member_id`` on the question (no outcome yet)."""
    return next((r for r in reversed(routes) if r.expert_id == member_id and r.outcome is None), None)


async def expire_due_questions(services: Services) -> int:
    """Move on every routed or escalated question whose deadline has passed; returns how many moved.

    The deadlines are rows, not timers: a deadline that went by while no process was running is
    enforced by the first run after the start.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serialises writers), so two
    processes never move the same question, and a question answered meanwhile is no longer due.
    """
    written: NoticeList = []
    policy = services.settings.experts
    async with services.db.uow() as uow:
        due = (select(Question).where(col(Question.status).in_(("routed", "escalated")),
                                      col(Question.deadline_at) <= services.clock.now())
               .order_by(col(Question.deadline_at)).limit(DUE_BATCH).with_for_update(skip_locked=True))
        questions = list((await uow.session.exec(due)).all())
        for question in questions:
            assert question.id is not None
            route = current_route(await routes_of(uow, question.id), question.assignee_id)
            moved = await move_on(uow, question, route, "timed_out", services.clock.now(), policy)
            written.extend(moved.notices)
        await uow.commit()
    await deliver(services, written)
    return len(questions)
