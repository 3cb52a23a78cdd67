"""Moving a question from expert to expert, escalating to a referent, and telling people about it.

A routed question has one assignee and a ``deadline_at`` in the database; when the expert passes or the
deadline goes by (``expire_due_questions``, a periodic job), the next available expert who has not
seen it yet gets it, fewest open questions first. After ``max_hops`` experts, or when nobody is left,
the topic's referent gets it (a referent for one of its skills, else anyone with the ``referent``
role) and the asker is told; when there is no referent either, the question expires and the asker is
told honestly. Messages to other people are collected as ``Notice`` objects while the transaction
runs and sent by ``deliver`` after it commits, each in its recipient's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from core.db import UnitOfWork
from core.directory import address_of
from core.errors import DeliveryError
from core.expert_search import rank_experts
from core.i18n import Translator
from core.jobs import periodic
from core.messages import Button, Reply
from core.models import ExpertSkill, Member, MemberRole, Question, QuestionRoute, Skill
from core.ports import MemberAddress, SentMessage
from core.text import shorten

if TYPE_CHECKING:
    from core.context import Services

log = logging.getLogger(__name__)
DUE_BATCH = 50


@dataclass(frozen=True)
class Notice:
    """A direct message to send after commit; ``route_id`` keeps the sent card, ``replace`` edits one."""

    address: MemberAddress
    reply: Reply
    route_id: int | None = None
    replace: dict[str, Any] | None = None


async def notice(uow: UnitOfWork, member_id: int | None, build: Callable[[Translator], Reply], *,
                 route_id: int | None = None, replace: dict[str, Any] | None = None) -> Notice | None:
    """A message for ``member_id`` in their language, or None when they cannot be reached."""
    member = await uow.session.get(Member, member_id) if member_id is not None else None
    address = await address_of(uow, member_id) if member is not None and member_id is not None else None
    if member is None or address is None:
        return None
    return Notice(address, build(Translator(member.locale)), route_id, replace)


async def deliver(services: Services, notices: list[Notice | None]) -> None:
    """Send the notices; a failed send is logged and never undoes the committed change."""
    for item in notices:
        if item is None:
            continue
        platform = item.replace["platform"] if item.replace else item.address.platform
        messenger = services.messenger(platform)
        if messenger is None:
            log.warning("no messenger for %s: a question notice was not sent", platform)
            continue
        try:
            if item.replace:
                await messenger.update(SentMessage(**item.replace), item.reply)
                continue
            sent = await messenger.send_direct(item.address, item.reply)
        except DeliveryError as error:
            log.warning("question notice not delivered: %s", error.reason)
            continue
        if item.route_id is not None:
            async with services.db.uow() as uow:
                route = await uow.session.get(QuestionRoute, item.route_id)
                if route is not None:
                    route.message = asdict(sent)
                    await uow.commit()


def duration(t: Translator, minutes: int) -> str:
    if minutes % 60 == 0:
        return t("question.hours", hours=minutes // 60)
    return t("question.minutes", minutes=minutes)


def card(t: Translator, question: Question, asker: str, timeout: int | None) -> Reply:
    """The direct message an expert (or, without a timeout, a referent) receives."""
    assert question.id is not None
    skills = ", ".join(question.skills) or t("question.no_skill")
    text = t("question.card", id=question.id, asker=asker, skills=skills, text=question.text)
    if timeout is None:
        text += "\n" + t("question.card_escalated", hops=question.hops)
    else:
        text += "\n" + t("question.card_deadline", delay=duration(t, timeout))
    buttons = [Button(t("question.button_answer"), "question.answer", str(question.id), style="primary")]
    if timeout is not None:
        buttons.append(Button(t("question.button_pass"), "question.pass", str(question.id)))
    return Reply(text=text, title=t("question.card_title", id=question.id), buttons=tuple(buttons))


async def skill_scores(uow: UnitOfWork, names: list[str]) -> dict[int, float]:
    """The question's matched skills (stored by name) as search scores."""
    if not names:
        return {}
    ids = (await uow.session.exec(select(Skill.id).where(col(Skill.name).in_(names)))).all()
    return {skill_id: 100.0 for skill_id in ids if skill_id is not None}


async def routes_of(uow: UnitOfWork, question_id: int) -> list[QuestionRoute]:
    return list((await uow.session.exec(select(QuestionRoute).where(
        QuestionRoute.question_id == question_id).order_by(col(QuestionRoute.id)))).all())


async def find_referent(uow: UnitOfWork, skill_ids: list[int], exclude: set[int],
                        tried: set[int]) -> int | None:
    """A referent of one of the skills, else any member with the referent role; untried ones first."""
    live = col(Member.erased_at).is_(None)
    by_skill = (select(ExpertSkill.member_id).join(Member, col(Member.id) == col(ExpertSkill.member_id))
                .where(col(ExpertSkill.skill_id).in_(skill_ids), col(ExpertSkill.referent), live))
    by_role = (select(MemberRole.member_id).join(Member, col(Member.id) == col(MemberRole.member_id))
               .where(MemberRole.role == "referent", live))
    for statement in (by_skill, by_role):
        found = [m for m in (await uow.session.exec(statement.order_by(col(Member.id)))).all()
                 if m not in exclude]
        if found:
            return next((m for m in found if m not in tried), found[0])
    return None


async def _asker_name(uow: UnitOfWork, question: Question) -> str:
    asker = await uow.session.get(Member, question.asker_id) if question.asker_id else None
    return asker.display_name if asker else "?"


async def _assign(uow: UnitOfWork, question: Question, member_id: int, now: datetime,
                  timeout: int | None) -> Notice | None:
    question.assignee_id = member_id
    question.status = "routed" if timeout is not None else "escalated"
    question.deadline_at = now + timedelta(minutes=timeout) if timeout is not None else None
    assert question.id is not None
    route = QuestionRoute(question_id=question.id, expert_id=member_id, routed_at=now)
    uow.session.add(route)
    await uow.session.flush()
    asker = await _asker_name(uow, question)
    return await notice(uow, member_id, lambda t: card(t, question, asker, timeout), route_id=route.id)


async def route_next(uow: UnitOfWork, services: Services, question: Question,
                     notices: list[Notice | None]) -> str:
    """Give the question to the next expert, else to a referent; returns routed/escalated/nobody."""
    assert question.id is not None
    now, settings = services.clock.now(), services.settings
    tried = {r.expert_id for r in await routes_of(uow, question.id) if r.expert_id is not None}
    exclude = tried | ({question.asker_id} if question.asker_id else set())
    scores = await skill_scores(uow, question.skills)
    if question.hops < settings.max_hops:
        experts = await rank_experts(uow, scores, now, limit=1, exclude=exclude, available_only=True,
                                     by_load=True)
        if experts:
            notices.append(await _assign(uow, question, experts[0].member_id, now,
                                         settings.answer_timeout_minutes))
            return "routed"
    asker = {question.asker_id} if question.asker_id else set()
    referent = await find_referent(uow, list(scores), asker, tried)
    if referent is not None:
        notices.append(await _assign(uow, question, referent, now, None))
        return "escalated"
    question.status, question.assignee_id, question.deadline_at = "expired", None, None
    question.closed_at = now
    return "nobody"


async def move_on(uow: UnitOfWork, services: Services, question: Question, route: QuestionRoute | None,
                  outcome: str, notices: list[Notice | None]) -> str:
    """Close the current expert's turn (passed or timed out) and route the question further."""
    question.hops += 1
    if route is not None:
        route.outcome, route.outcome_at = outcome, services.clock.now()
    if route is not None and route.message:
        key = "question.card_passed" if outcome == "passed" else "question.card_timed_out"
        notices.append(await notice(uow, route.expert_id, lambda t: Reply(text=t(key, id=question.id)),
                                    replace=route.message))
    result = await route_next(uow, services, question, notices)
    if result != "routed":
        name = await _assignee_name(uow, question)
        key = "question.told_escalated" if result == "escalated" else "question.told_nobody"
        notices.append(await notice(uow, question.asker_id, lambda t: Reply(
            text=t(key, id=question.id, text=shorten(question.text, 200), referent=name))))
    return result


async def _assignee_name(uow: UnitOfWork, question: Question) -> str:
    member = await uow.session.get(Member, question.assignee_id) if question.assignee_id else None
    return member.display_name if member else ""


def current_route(routes: list[QuestionRoute], member_id: int | None) -> QuestionRoute | None:
    """The open turn of ``member_id`` on the question (no outcome yet)."""
    return next((r for r in reversed(routes) if r.expert_id == member_id and r.outcome is None), None)


@periodic("experts.deadlines", 30)
async def expire_due_questions(services: Services) -> int:
    """Move on every routed question whose deadline has passed; returns how many moved.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serialises writers), so two
    processes never move the same question, and a question answered meanwhile is no longer due.
    """
    notices: list[Notice | None] = []
    async with services.db.uow() as uow:
        due = (select(Question).where(Question.status == "routed",
                                      col(Question.deadline_at) <= services.clock.now())
               .order_by(col(Question.deadline_at)).limit(DUE_BATCH).with_for_update(skip_locked=True))
        questions = list((await uow.session.exec(due)).all())
        for question in questions:
            assert question.id is not None
            route = current_route(await routes_of(uow, question.id), question.assignee_id)
            await move_on(uow, services, question, route, "timed_out", notices)
        await uow.commit()
    await deliver(services, notices)
    return len(questions)
