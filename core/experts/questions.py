"""Questions to the expert directory: asking, answering, passing, marking helpful, closing, listing.

Life of a question (``Question.status``): ``open`` (saved, waiting for the asker to confirm after
similar answered questions were offered) → ``routed`` (an expert holds it until ``deadline_at``) →
``escalated`` (a referent holds it until ``deadline_at``) → ``answered`` → ``closed``; ``closed`` also
when the asker closes it before an answer (the holder's card then says so and its buttons stop
working); ``expired`` when nobody at all could take it. Reuse rule: an answered question becomes
``reusable`` once its asker marks the answer helpful (and stops being reusable if they change their
mind); reusable questions are what ``ask`` offers to the next person asking something similar.

Every change locks the question row (``FOR UPDATE`` on PostgreSQL) so an answer, a pass and the
deadline job cannot both win. The services run in the caller's unit of work and return the messages a
change sends to other people as outbox rows (``core.experts.notices``), and return those rows; the
caller sends them with ``deliver`` once its transaction has committed, so a rolled-back change tells
nobody, and a send that fails is retried by the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Integer, bindparam, literal, true
from sqlmodel import and_, col, or_, select

from core.access.rules import holds, permits
from core.access.table import TABLE
from core.directory import erased
from core.directory.models import ExpertSkill, Member, Skill
from core.directory.search import load_vocabulary, match_skills, words_of, writer_rows
from core.directory.vocabulary import Version, Vocabulary, as_version, read_version, version_columns
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.experts import notices as outbox
from core.experts.models import Answer, Question, QuestionRoute
from core.experts.routing import (
    NoticeList,
    Routed,
    current_route,
    move_on,
    route_next,
    routes_of,
)
from core.experts.routing import deliver as deliver  # sends what these services return, after commit
from core.runtime.db import Database, UnitOfWork
from core.runtime.sqlite_driver import model_columns, read_rows, untracked
from core.settings import ExpertSettings
from core.text import clean, shorten

MIN_QUESTION = 10
MAX_QUESTION = 3500
MAX_ANSWER = 3000
REUSE_CUTOFF = 80
REUSE_SCAN = 5000
ACTIVE: tuple[str, ...] = ("open", "routed", "escalated")
#: the statuses of the asker's questions ``question list`` shows: until they close it, a question
#: nobody could take (``expired``) stays listed, as unassigned
LISTED: tuple[str, ...] = (*ACTIVE, "answered", "expired")
#: the statuses of a question someone holds (and should answer)
HELD: tuple[str, ...] = ("routed", "escalated")
ESCALATED_SCAN = 500
ESCALATED_SHOWN = 50


@dataclass(frozen=True)
class Similar:
    """A reusable question close to the one being asked (its id and text), with its answer."""

    id: int
    text: str
    answer: str
    score: float


def check_text(text: str) -> str:
    """The question cleaned, or InvalidInput when it is too short or too long to route."""
    text = clean(text)
    letters = sum(ch.isalnum() for ch in text)
    if len(text) < MIN_QUESTION or letters < 3:
        raise InvalidInput("question.too_short", minimum=MIN_QUESTION)
    if len(text) > MAX_QUESTION:
        raise InvalidInput("question.too_long", length=len(text), limit=MAX_QUESTION)
    return text


@lru_cache(maxsize=2 * REUSE_SCAN)
def _content(text: str) -> str:
    """The content words of a question (kept: the reusable questions are compared at every ``ask``)."""
    return " ".join(w for w in words_of(text, question=True) if w)


@lru_cache(maxsize=2)
def _reusable_statement(dialect: str) -> Any:
    """The vocabulary's version (``core.directory.vocabulary``), then the reusable questions, latest
    first — what ``ask`` compares a new question with: one row per question, the version on each,
    and a row with the version alone when none is reusable. One statement where there were two:
    ``ask`` matches the question's skills next, with the vocabulary of that version.

    On PostgreSQL the asker's ``erased_at`` too, read under a share lock held to the end of the
    transaction: the router's check that they were not erased meanwhile, without a statement of its
    own (``core.directory.erased.vouch``). SQLite reads this apart from the write turn, so the router
    checks there as before."""
    labelled = [column.label(f"v{i}") for i, column in enumerate(version_columns())]
    version = select(*labelled).subquery("version")
    reusable = (select(Question.id, Question.text).where(col(Question.reusable))
                .order_by(col(Question.id).desc()).limit(REUSE_SCAN).subquery("reusable"))
    if dialect != "postgresql":
        # SQLModel types ``select`` for at most 4 columns; it takes any number (SQLAlchemy's select)
        return (select(*version.c, literal(None).label("erased_at"),  # type: ignore[call-overload]
                       reusable.c.id, reusable.c.text)
                .select_from(version).outerjoin(reusable, true()).order_by(reusable.c.id.desc()))
    return (select(*version.c, col(Member.erased_at), reusable.c.id, reusable.c.text)  # type: ignore[call-overload]
            .select_from(version).join(Member, col(Member.id) == bindparam("asker", type_=Integer()))
            .outerjoin(reusable, true()).order_by(reusable.c.id.desc())
            .with_for_update(read=True, of=Member))


async def similar_answered(uow: UnitOfWork, text: str, asker_id: int, limit: int = 3,
                           ) -> tuple[list[Similar], Version]:
    """Reusable questions whose wording is close to ``text`` (rapidfuzz over their content words),
    with their latest answers, and the vocabulary's version read with them: two reads at most,
    before the transaction writes anything."""
    found_rows = await writer_rows(uow, _reusable_statement(uow.dialect), {"asker": asker_id})
    if not found_rows:  # no such member (PostgreSQL's join): the version alone, the router checks
        return [], await read_version(uow)
    version = as_version(found_rows[0][:4])
    if uow.dialect == "postgresql" and found_rows[0][4] is None:
        erased.vouch(uow, asker_id)
    rows = [row[5:] for row in found_rows if row[5] is not None]
    query = _content(text)
    if len(query.split()) < 2 or not rows:
        return [], version
    found = process.extract(query, [_content(str(row[1])) for row in rows], scorer=fuzz.token_set_ratio,
                            processor=None, score_cutoff=REUSE_CUTOFF, limit=limit)
    if not found:
        return [], version
    ids = [int(rows[index][0]) for _, _, index in found]
    answers: dict[int, str] = {}
    statement = (select(Answer.question_id, Answer.text)
                 .where(col(Answer.question_id).in_(ids)).order_by(col(Answer.id)))
    for question_id, answer in await writer_rows(uow, statement):
        answers[int(question_id)] = str(answer)  # the latest answer wins
    return [Similar(int(rows[index][0]), str(rows[index][1]), answers[int(rows[index][0])], score)
            for _, score, index in found if answers.get(int(rows[index][0]))], version


def _matched(vocab: Vocabulary, text: str) -> tuple[list[str], dict[int, float]]:
    """The skills ``text`` mentions, best first, by name; and as the search scores routing ranks
    their experts with (every matched skill alike, as ``routing.skill_scores`` reads them back)."""
    scores = match_skills(vocab, text, question=True)
    names = [vocab.names[i] for i in sorted(scores, key=lambda i: (-scores[i], vocab.names[i]))]
    return names, dict.fromkeys(scores, 100.0)


async def create(uow: UnitOfWork, db: Database, asker_id: int, text: str, now: datetime,
                 version: Version | None = None) -> Question:
    """Save the question (status ``open``) with the skills its text mentions (``db``: whose
    vocabulary cache to match them with; ``version``: the vocabulary's, if the caller read it)."""
    names, _ = _matched(await load_vocabulary(uow, db, version), text)
    question = Question(asker_id=asker_id, text=text, skills=names, status="open", created_at=now)
    uow.session.add(question)
    await uow.session.flush()
    return question


async def create_routed(uow: UnitOfWork, db: Database, asker_id: int, text: str, now: datetime,
                        policy: ExpertSettings, version: Version | None = None) -> tuple[Question, Routed]:
    """``create`` then ``route`` in fewer statements: the first holder is chosen before the question
    is written, then it is saved already routed (or expired), with its route and card."""
    names, scores = _matched(await load_vocabulary(uow, db, version), text)
    question = Question(asker_id=asker_id, text=text, skills=names, status="open", created_at=now)
    return question, await route_next(uow, question, now, policy, scores=scores)


async def route(uow: UnitOfWork, question: Question, now: datetime, policy: ExpertSettings) -> Routed:
    """Route a saved question to its first holder; the caller sends the notices after commit."""
    return await route_next(uow, question, now, policy)


async def locked(uow: UnitOfWork, value: str) -> Question:
    """The question a button names, locked for this transaction."""
    try:
        question_id = int(value.strip().lstrip("#"))
    except ValueError as exc:
        raise InvalidInput("question.bad_id", id=value) from exc
    question = (await uow.session.exec(select(Question).where(Question.id == question_id)
                                       .with_for_update())).first()
    if question is None:
        raise NotFound("question.not_found", id=question_id)
    return question


def relations(question: Question, member_id: int) -> frozenset[str]:
    """The member's relations to a question, as the permission table names them: ``asker``, and
    ``assignee`` while it is routed or escalated to them."""
    facts = {"asker"} if question.asker_id == member_id else set()
    if question.assignee_id == member_id and question.status in ("routed", "escalated"):
        facts.add("assignee")
    return frozenset(facts)


async def own_turn(uow: UnitOfWork, question: Question, member_id: int, *,
                   late_ok: bool = False) -> QuestionRoute | None:
    """Refuse to answer or pass a question that is not (or no longer) the member's to handle (the
    table's ``question.pass`` row: its holder), saying why: too late, passed, answered, closed.

    ``late_ok`` (answering, not passing: the ``question.submit`` row's ``late`` relation): a member
    whose time ran out while they were writing may still answer as long as nobody answered first;
    returns that turn of theirs (``None`` for the usual case of the current holder).
    """
    facts = relations(question, member_id)
    if permits((), TABLE["question.pass"], facts):
        return None
    assert question.id is not None
    mine = [r for r in await routes_of(uow, question.id) if r.expert_id == member_id]
    if mine and mine[-1].outcome == "closed":
        raise Conflict("question.closing.closed_while_yours", id=question.id)
    if question.status in ("answered", "closed"):
        raise Conflict("question.already_answered", id=question.id)
    if mine and mine[-1].outcome == "timed_out":  # the table's ``late`` relation
        if late_ok and permits((), TABLE["question.submit"], facts | {"late"}):
            return mine[-1]
        raise Conflict("question.too_late", id=question.id)
    if question.status == "expired":
        raise Conflict("question.expired", id=question.id)
    if mine and mine[-1].outcome == "passed":
        raise Conflict("question.already_passed", id=question.id)
    raise Forbidden("question.not_yours", id=question.id)


async def _supersede(uow: UnitOfWork, question: Question, author_id: int, now: datetime) -> NoticeList:
    """A late answer came first: whoever holds the question now stops being waited for, and their
    card says who answered."""
    if question.status not in HELD or question.assignee_id is None:
        return []
    assert question.id is not None
    holder = current_route(await routes_of(uow, question.id), question.assignee_id)
    if holder is None:
        return []
    holder.outcome, holder.outcome_at = "superseded", now
    values = {"id": question.id, "who": await _name_of(uow, author_id)}
    return await outbox.enqueue_card_update(uow, holder, "question.handoff.card_superseded", values, now)


async def _name_of(uow: UnitOfWork, member_id: int) -> str:
    member = await uow.session.get(Member, member_id)
    return member.display_name if member else "?"


async def answer(uow: UnitOfWork, question: Question, member_id: int, text: str, now: datetime) -> NoticeList:
    """Record the member's answer; returns the messages to send after commit: the answer to the asker
    with Helpful / Not helpful, and the expert's card updated."""
    late = await own_turn(uow, question, member_id, late_ok=True)
    text = clean(text)
    if not text:
        raise InvalidInput("question.empty_answer")
    if len(text) > MAX_ANSWER:
        raise InvalidInput("question.answer_too_long", length=len(text), limit=MAX_ANSWER)
    assert question.id is not None
    uow.session.add(Answer(question_id=question.id, author_id=member_id, text=text, created_at=now))
    notices: NoticeList = await _supersede(uow, question, member_id, now) if late is not None else []
    route = late or current_route(await routes_of(uow, question.id), member_id)
    question.status, question.deadline_at, question.assignee_id = "answered", None, member_id
    question.closed_at = None
    if route is not None:
        route.outcome, route.outcome_at = "answered", now
    if route is not None and late is None:  # a late turn's card already said its time ran out
        answered = {"id": question.id, "answer": shorten(text, 500)}
        notices += await outbox.enqueue_card_update(uow, route, "question.card_answered", answered, now)
    await uow.session.flush()  # the answer is what the asker's message is built from, at send time
    return notices + await outbox.enqueue_answer(uow, question, now)


async def pass_(uow: UnitOfWork, question: Question, member_id: int, now: datetime,
                policy: ExpertSettings) -> tuple[str, Routed]:
    """The expert or referent declines; after the deadline the question moves on as timed out.

    Returns the outcome of their turn (passed / timed_out) and where the question went, with the
    messages to send after commit.
    """
    await own_turn(uow, question, member_id)
    assert question.id is not None
    late = question.deadline_at is not None and question.deadline_at <= now
    outcome = "timed_out" if late else "passed"
    route = current_route(await routes_of(uow, question.id), member_id)
    return outcome, await move_on(uow, question, route, outcome, now, policy)


async def reuse(uow: UnitOfWork, question: Question, source: str, now: datetime) -> Question:
    """The asker takes the answer of the similar question ``source`` (one ``ask`` offered) instead of
    asking an expert: their (locked, still ``open``) question closes, marked as answered by reuse.
    Returns the source question."""
    try:
        source_id = int(source)
    except ValueError as exc:
        raise InvalidInput("question.bad_id", id=source) from exc
    found = await uow.session.get(Question, source_id)
    if found is None or not found.reusable:
        raise NotFound("question.not_found", id=source_id)
    if question.status != "open":
        raise Conflict("question.already_routed", id=question.id)
    question.status, question.closed_at, question.reused_from = "closed", now, source_id
    return found


def mark_helpful(question: Question, helpful: bool) -> None:
    """The asker's verdict on the (locked) question (the caller checked it is theirs); a helpful
    answer makes it reusable for others."""
    if question.status not in ("answered", "closed"):
        raise Conflict("question.not_answered", id=question.id)
    question.helpful = helpful
    question.reusable = helpful


async def close(uow: UnitOfWork, question: Question, member_id: int, now: datetime) -> NoticeList:
    """The asker (or an admin: the caller asked the permission table) closes the question; whoever
    held it stops being waited for: their turn ends (outcome ``closed``) and their card says who
    closed it, so its buttons are not tried. Returns the card's update, to send after commit."""
    if question.status == "closed":
        raise Conflict("question.already_closed", id=question.id)
    assert question.id is not None
    holding = question.status in ("routed", "escalated")
    route = current_route(await routes_of(uow, question.id), question.assignee_id) if holding else None
    question.status, question.deadline_at, question.closed_at = "closed", None, now
    if route is None:
        return []
    route.outcome, route.outcome_at = "closed", now
    closing = {"id": question.id, "who": await _name_of(uow, member_id), "text": shorten(question.text, 300)}
    return await outbox.enqueue_card_update(uow, route, "question.closing.card", closing, now)


async def referent_skills(uow: UnitOfWork, member_id: int) -> set[str]:
    """The names of the skills the member is referent for."""
    return set((await uow.session.exec(select(Skill.name).join(
        ExpertSkill, col(ExpertSkill.skill_id) == col(Skill.id)).where(
        ExpertSkill.member_id == member_id, col(ExpertSkill.referent)))).all())


def concerns(question: Question, skills: set[str]) -> bool:
    """Whether an escalated question is for a referent of ``skills``: one of its topics is theirs, or
    it matched no skill at all (then every referent may take it); a referent of no skill sees all."""
    return not skills or not question.skills or bool(skills & set(question.skills))


@lru_cache(maxsize=1)
def _listing_statement() -> Any:
    """A member's questions asked and still listed, and those held for their answer, by id: built
    once, as columns (``listing`` reads them as rows — no transaction begun, no ORM loading — for
    ``question list`` and the Home tab, which only read). The statuses are compared one by one, not
    with ``IN``: a list expanded at execution time would leave SQLite's fast path."""
    member = bindparam("member", type_=Integer())
    status = col(Question.status)
    asked = and_(col(Question.asker_id) == member, or_(*(status == literal(s) for s in LISTED)))
    waiting = and_(col(Question.assignee_id) == member, or_(*(status == literal(s) for s in HELD)))
    return select(*model_columns(Question)).where(or_(asked, waiting)).order_by(col(Question.id))


async def listing(uow: UnitOfWork, member_id: int,
                  roles: frozenset[str]) -> tuple[list[Question], list[Question], list[Question]]:
    """My open questions, those assigned to me, and (for referents) the escalated ones of their
    skills or of no skill (admins: every escalated one): what ``question list`` and the Home tab show."""
    session = uow.session
    found = await read_rows(uow, _listing_statement(), {"member": member_id})
    rows = [untracked(Question, row) for row in found]
    mine = [q for q in rows if q.asker_id == member_id and q.status in LISTED]
    assigned = [q for q in rows if q.assignee_id == member_id and q.status in HELD]
    escalated: list[Question] = []
    if holds(roles, "referent"):
        skills = set() if "admin" in roles else await referent_skills(uow, member_id)
        open_ = (await session.exec(select(Question).where(Question.status == "escalated")
                                    .order_by(col(Question.id)).limit(ESCALATED_SCAN))).all()
        held = {q.id for q in assigned}  # by id: these rows are the session's, ``assigned`` untracked
        escalated = [q for q in open_ if q.id not in held and concerns(q, skills)][:ESCALATED_SHOWN]
    return list(mine), list(assigned), escalated


async def latest_answers(uow: UnitOfWork, question_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The latest answer of each question, with its author's name: ``{question id: (text, name)}``."""
    if not question_ids:
        return {}
    statement = (select(Answer, Member.display_name)
                 .outerjoin(Member, col(Member.id) == col(Answer.author_id))
                 .where(col(Answer.question_id).in_(question_ids)).order_by(col(Answer.id)))
    found: dict[int, tuple[str, str]] = {}
    for answer, name in (await uow.session.exec(statement)).all():
        found[answer.question_id] = (answer.text, name or "?")
    return found
