"""Who knows X: fuzzy matching over the skill vocabulary, then the index skill → experts.

Searching never scans member rows with rapidfuzz: ``core.directory.matching`` matches the topic against
the cached skill vocabulary (``core.directory.vocabulary``), then one indexed query over
``expert_skill`` by skill ids ranks the experts in SQL (match score, level, availability, load) and
returns only the page shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from weakref import WeakSet

from sqlalchemy import ColumnElement, Float, Integer, and_, bindparam, case, false, literal_column, or_
from sqlmodel import col, func, select
from sqlmodel.sql.expression import Select

from core.directory.matching import match_skills as match_skills  # also re-exported for callers
from core.directory.matching import suggest
from core.directory.models import ExpertSkill, ExpertStatus, Identity, Member
from core.directory.vocabulary import as_version, cached_vocabulary, read_version, version_columns
from core.directory.vocabulary import load_vocabulary as load_vocabulary  # also re-exported for callers
from core.directory.word_forms import words_of as words_of  # re-exported for callers
from core.experts.models import Question
from core.runtime.columns import UTCDateTime
from core.runtime.db import Database, UnitOfWork
from core.runtime.sqlite_driver import connection_rows, read_rows, warm

MAX_MASKED = 60
# Statement shapes: a search for 3 skills uses the 4-skill statement (one slot names no skill), so a
# process compiles at most these few statements (about 10 ms each), not one per skill count.
SIZES: tuple[int, ...] = (1, 2, 4, 8, 16, 32, MAX_MASKED)
# Members left out (routing: the asker, those who had the question) are bound one per slot, in a few
# statement shapes like the skills, so the statement is prepared once and runs without expanding an
# ``IN`` list (on SQLite: in the loop's own thread, ``sqlite_reader``); more than the largest shape
# are bound as an expanding list.
EXCLUDE_SIZES: tuple[int, ...] = (1, 2, 4, 8, 16)
EXPANDING = -1
# Erased members are dropped after the cut (``_candidates``); the cut keeps this many more.
ERASED_MARGIN = 20
OPEN_ASSIGNED: tuple[str, ...] = ("routed", "escalated")
#: the ranking's columns per expert (``_expert``); the vocabulary's version follows when asked for
RANKED = 11


@dataclass(frozen=True)
class Expert:
    """One expert found, with what the result list shows."""

    member_id: int
    name: str
    title: str | None
    department: str | None
    skills: tuple[int, ...]
    level: int
    away: bool
    away_through: date | None  # the last day away, as its author meant it
    load: int
    score: float
    zone: str = "UTC"  # their time zone: routing counts a deadline in their working hours


def _open_assigned() -> Any:
    """SQL: the question is waiting for its assignee (plain binds, not an expanding ``IN``)."""
    return or_(*(col(Question.status) == status for status in OPEN_ASSIGNED))


def _may_outrank() -> Any:
    """SQL: how many holders at most can be away now or have open questions (an upper bound).

    Candidates are cut by score, level and id before availability and load are known; only these
    members can fall behind a holder that came later in that order, so the cut keeps this many more.
    """
    away = select(func.count()).select_from(ExpertStatus).where(col(ExpertStatus.away)).scalar_subquery()
    loaded = select(func.count()).select_from(Question).where(_open_assigned()).scalar_subquery()
    return away + loaded


def _candidates(size: int, exclude: int, reachable: bool = False) -> Any:
    """SQL: the holders of the matched skills by score, best level, id; only the ones that can rank.

    Reads the ``(skill_id, level, member_id)`` covering index only: no join per holder. One skill
    needs no grouping ((member, skill) is the primary key); several are grouped by member, and
    ``mask`` sums one bit per matched skill held: which skills matched, in one integer.
    """
    skill, member = col(ExpertSkill.skill_id), col(ExpertSkill.member_id)
    ids = [bindparam(f"s{i}", type_=Integer()) for i in range(size)]
    score: ColumnElement[float]
    inner: Select[int, float, int, Any]  # member id, score, level, mask
    if size == 1:
        score, level = bindparam("w0", type_=Float()), col(ExpertSkill.level)
        inner = select(member.label("member_id"), score.label("score"), level.label("level"),
                       literal_column("1").label("mask")).where(skill == ids[0])
    else:
        score = func.sum(case(*[(skill == ids[i], bindparam(f"w{i}", type_=Float())) for i in range(size)],
                              else_=literal_column("0.0")))
        mask = func.sum(case(*[(skill == ids[i], literal_column(str(1 << i))) for i in range(size)],
                             else_=literal_column("0")))
        inner = (select(member.label("member_id"), score.label("score"),
                        func.max(ExpertSkill.level).label("level"), mask.label("mask"))
                 .where(skill.in_(ids)).group_by(member))
    if exclude == EXPANDING:
        inner = inner.where(member.not_in(bindparam("exclude", expanding=True)))
    elif exclude:
        inner = inner.where(member.not_in([bindparam(f"x{i}", type_=Integer()) for i in range(exclude)]))
    if reachable:  # only holders a direct message can reach: an identity on some platform
        inner = inner.where(member.in_(select(Identity.member_id)))
    c = inner.selected_columns
    return (inner.order_by(c.score.desc(), c.level.desc(), c.member_id)
            .limit(bindparam("inner_limit", type_=Integer()) + _may_outrank()).subquery("candidate"))


@lru_cache(maxsize=256)
def _ranking_statement(size: int, available_only: bool, by_load: bool, with_version: bool,
                       exclude: int = 0, reachable: bool = False) -> Any:
    """The ranking query for ``size`` matched skills, built once and reused with new parameters.

    Skill ids and scores are bound (``s0``, ``w0``…), so a search costs no statement building.
    Ranking is exact with a database ``LIMIT``: candidates are the first ``limit`` holders by score,
    level and id, plus as many as there can be away or busy members (``_may_outrank``), plus a margin
    for erased members. Any holder left out is behind at least ``limit`` candidates that are neither
    away nor busy, in the search order and in the routing order alike. Availability, load and names
    are then read for those few candidates only.
    """
    top = _candidates(size, exclude, reachable)
    status = ExpertStatus
    is_away = case((and_(func.coalesce(col(status.away), false()),
                         or_(col(status.away_until).is_(None),
                             col(status.away_until) > bindparam("now", type_=UTCDateTime()))), 1),
                   else_=0).label("away")
    load = (select(func.count()).select_from(Question)
            .where(col(Question.assignee_id) == top.c.member_id, _open_assigned())
            .scalar_subquery().label("n"))
    # SQLModel types ``select`` for at most 4 columns; it takes any number (SQLAlchemy's select)
    statement = (select(top.c.member_id, top.c.score, top.c.level,  # type: ignore[call-overload]
                        is_away, load, top.c.mask,
                        col(Member.display_name), col(Member.title), col(Member.department),
                        col(status.away_through), col(Member.timezone))
                 .join(Member, col(Member.id) == top.c.member_id)
                 .outerjoin(status, col(status.member_id) == top.c.member_id)
                 .where(col(Member.erased_at).is_(None)))
    if available_only:
        statement = statement.where(is_away == 0)
    if by_load:
        order = [load, top.c.score.desc(), top.c.level.desc(), top.c.member_id]
    else:
        order = [top.c.score.desc(), top.c.level.desc(), is_away, load, top.c.member_id]
    statement = statement.order_by(*order).limit(bindparam("limit", type_=Integer()))
    return statement.add_columns(*version_columns()) if with_version else statement


def _ranking(scores: dict[int, float], now: datetime, limit: int, exclude: set[int] | frozenset[int],
             available_only: bool, by_load: bool, with_version: bool = False,
             reachable: bool = False) -> tuple[list[int], Any]:
    """The statement and parameters ranking the holders of ``scores``' skills (at most MAX_MASKED)."""
    ids = sorted(scores, key=lambda i: -scores[i])[:MAX_MASKED]
    params: dict[str, Any] = {"now": now, "limit": limit, "inner_limit": limit + ERASED_MARGIN}
    slots = next((n for n in EXCLUDE_SIZES if n >= len(exclude)), EXPANDING) if exclude else 0
    if slots == EXPANDING:
        params["exclude"] = sorted(exclude)
    else:  # the slots past the members left out name nobody (ids start at 1)
        left_out = sorted(exclude)
        params.update({f"x{i}": left_out[i] if i < len(left_out) else -1 for i in range(slots)})
    size = next(size for size in SIZES if size >= len(ids))
    for i in range(size):  # the slots past the matched skills name no skill (ids start at 1)
        params[f"s{i}"], params[f"w{i}"] = (ids[i], scores[ids[i]]) if i < len(ids) else (-1, 0.0)
    statement = _ranking_statement(size, available_only, by_load, with_version, slots, reachable)
    return ids, (statement, params)


async def writer_rows(uow: UnitOfWork, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """A read of a command that goes on to write: ``read_rows`` on SQLite (before its first write, in
    the loop's own thread); elsewhere in its own transaction, which its writes open anyway — not on a
    connection of its own, checked out and given back for each read."""
    if uow.dialect == "sqlite":
        return await read_rows(uow, statement, params)
    return await connection_rows(await uow.session.connection(), statement, params)


async def rank_experts(
    uow: UnitOfWork, scores: dict[int, float], now: datetime, *, limit: int = 10,
    exclude: set[int] | frozenset[int] = frozenset(), available_only: bool = False, by_load: bool = False,
    reachable_only: bool = False, writing: bool = False,
) -> list[Expert]:
    """The holders of the matched skills, best first, with what the list shows, in one query.

    Search order: summed match score, best level, available before away, fewest open questions.
    Routing (``by_load``) puts the fewest open questions first among the available ones, and only
    ranks those it can message (``reachable_only``: an identity on some platform); ``writing``: the
    caller goes on to write (``writer_rows``).
    """
    if not scores:
        return []
    ids, query = _ranking(scores, now, limit, exclude, available_only, by_load, reachable=reachable_only)
    rows = await (writer_rows if writing else read_rows)(uow, *query)
    return [_expert(row, ids) for row in rows]


def _expert(row: Any, ids: list[int]) -> Expert:
    member_id, score, level, away, load, mask, name, title, department, until, zone = row[:RANKED]
    held = tuple(skill_id for bit, skill_id in enumerate(ids) if int(mask or 0) >> bit & 1)
    return Expert(member_id, name, title, department, held, int(level), bool(away),
                  until if away else None, int(load), float(score), str(zone))


_WARM: WeakSet[Database] = WeakSet()


@dataclass(frozen=True)
class SearchResult:
    """What ``expert find`` shows: the skills understood, the experts, or close skills to try."""

    skills: tuple[str, ...]
    experts: list[Expert]
    suggestions: list[str]
    names: dict[int, str]

    def skills_of(self, expert: Expert) -> list[str]:
        """The expert's matching skills, by name, best match first."""
        return [self.names[i] for i in expert.skills]


async def find_experts(uow: UnitOfWork, db: Database, topic: str, now: datetime, limit: int = 10,
                       ) -> SearchResult:
    """``expert find``: the skills the topic names, and their experts ranked.

    One database round trip in the usual case: the ranking query also returns the vocabulary version,
    and only when that differs from the cached vocabulary (or nothing matched) is the search redone
    with a fresh one.
    """
    if db not in _WARM:  # this process's first search: compile the statements of every size
        await warm(uow, [_ranking_statement(size, False, False, True) for size in SIZES])
        _WARM.add(db)
    vocab = cached_vocabulary(db) or await load_vocabulary(uow, db)
    while True:
        scores = match_skills(vocab, topic)
        rows: list[Any] = []
        if scores:
            ids, query = _ranking(scores, now, limit, frozenset(), False, False, with_version=True)
            rows = await read_rows(uow, *query)
        version = as_version(rows[0][RANKED:RANKED + 4]) if rows else await read_version(uow)
        if version == vocab.version:
            break
        vocab = await load_vocabulary(uow, db, version)
    experts = [_expert(row, ids) for row in rows]
    skills = tuple(vocab.names[i] for i in sorted(scores, key=lambda i: -scores[i]))
    suggestions = [] if experts else [s for s in suggest(vocab, topic) if s not in skills]
    return SearchResult(skills, experts, suggestions, vocab.names)
