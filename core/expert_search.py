"""Who knows X: fuzzy matching over the skill vocabulary, then the index skill → experts.

Searching never scans member rows with rapidfuzz: ``core.skill_match`` matches the topic against the
cached skill vocabulary, then one indexed query over ``expert_skill`` by skill ids ranks the experts
in SQL (match score, level, availability, load) and returns only the page shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Integer, and_, bindparam, case, false, literal_column, or_
from sqlmodel import col, func, select

from core.db import Database, UnitOfWork
from core.models import ExpertSkill, ExpertStatus, Member, Question
from core.models.base import UTCDateTime
from core.skill_match import (  # noqa: F401  (match_skills, words_of: re-exported for callers)
    as_version,
    cached_vocabulary,
    load_vocabulary,
    match_skills,
    read_rows,
    read_version,
    suggest,
    version_columns,
    words_of,
)

MAX_MASKED = 60
ERASED_MARGIN = 20
OPEN_ASSIGNED: tuple[str, ...] = ("routed", "escalated")


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
    away_until: datetime | None
    load: int
    score: float


def _away() -> Any:
    """SQL: the member is away now (away, and no end date or an end date still ahead)."""
    return and_(func.coalesce(ExpertStatus.away, false()),
                or_(col(ExpertStatus.away_until).is_(None),
                    col(ExpertStatus.away_until) > bindparam("now", type_=UTCDateTime())))


def _load() -> Any:
    return (select(col(Question.assignee_id).label("member_id"), func.count().label("n"))
            .where(col(Question.status).in_(OPEN_ASSIGNED)).group_by(col(Question.assignee_id)).subquery())


@lru_cache(maxsize=128)
def _ranking_statement(size: int, available_only: bool, by_load: bool, with_version: bool) -> Any:
    """The ranking query for ``size`` matched skills, built once and reused with new parameters.

    Skill ids and scores are bound (``s0``, ``w0``…), so a search costs no statement building. The
    inner query ranks holders from the ``(skill_id, level, member_id)`` covering index plus the small
    availability and load tables; only its top rows are joined to ``member`` for names (and to drop
    erased members, which is why it keeps a margin). ``mask`` sums one bit per matched skill held
    ((member, skill) is the primary key, so the sum is exact): which skills matched, in one integer.
    """
    skill, load = col(ExpertSkill.skill_id), _load()
    ids = [bindparam(f"s{i}", type_=Integer()) for i in range(size)]
    score = func.sum(case(*[(skill == ids[i], bindparam(f"w{i}", type_=Float())) for i in range(size)],
                          else_=literal_column("0.0"))).label("score")
    mask = func.sum(case(*[(skill == ids[i], literal_column(str(1 << i))) for i in range(size)],
                         else_=literal_column("0"))).label("mask")
    n = func.coalesce(func.max(load.c.n), 0).label("n")
    is_away = func.max(case((_away(), 1), else_=0)).label("away")
    level = func.max(ExpertSkill.level).label("level")
    inner = (
        select(col(ExpertSkill.member_id).label("member_id"), score, level, is_away, n, mask,
               func.max(ExpertStatus.away_until).label("until"))
        .outerjoin(ExpertStatus, col(ExpertStatus.member_id) == col(ExpertSkill.member_id))
        .outerjoin(load, load.c.member_id == col(ExpertSkill.member_id))
        .where(skill.in_(ids), col(ExpertSkill.member_id).not_in(bindparam("exclude", expanding=True)))
        .group_by(col(ExpertSkill.member_id))
    )
    if available_only:
        inner = inner.having(is_away == 0)

    def order(c: Any) -> list[Any]:
        if by_load:
            return [c.n, c.score.desc(), c.level.desc(), c.member_id]
        return [c.score.desc(), c.level.desc(), c.away, c.n, c.member_id]

    top = inner.order_by(*order(inner.selected_columns)).limit(bindparam("inner_limit")).subquery()
    statement = (select(top.c.member_id, top.c.score, top.c.level, top.c.away, top.c.n, top.c.mask,
                        col(Member.display_name), col(Member.title), col(Member.department), top.c.until)
                 .join(Member, col(Member.id) == top.c.member_id).where(col(Member.erased_at).is_(None))
                 .order_by(*order(top.c)).limit(bindparam("limit")))
    return statement.add_columns(*version_columns()) if with_version else statement


def _ranking(scores: dict[int, float], now: datetime, limit: int, exclude: set[int] | frozenset[int],
             available_only: bool, by_load: bool, with_version: bool = False) -> tuple[list[int], Any]:
    """The statement and parameters ranking the holders of ``scores``' skills (at most MAX_MASKED)."""
    ids = sorted(scores, key=lambda i: -scores[i])[:MAX_MASKED]
    params: dict[str, Any] = {"now": now, "limit": limit, "inner_limit": limit * 2 + ERASED_MARGIN,
                              "exclude": sorted(exclude) or [0]}
    for i, skill_id in enumerate(ids):
        params[f"s{i}"], params[f"w{i}"] = skill_id, scores[skill_id]
    return ids, (_ranking_statement(len(ids), available_only, by_load, with_version), params)


async def rank_experts(
    uow: UnitOfWork, scores: dict[int, float], now: datetime, *, limit: int = 10,
    exclude: set[int] | frozenset[int] = frozenset(), available_only: bool = False, by_load: bool = False,
) -> list[Expert]:
    """The holders of the matched skills, best first, with what the list shows, in one query.

    Search order: summed match score, best level, available before away, fewest open questions.
    Routing (``by_load``) puts the fewest open questions first among the available ones.
    """
    if not scores:
        return []
    ids, query = _ranking(scores, now, limit, exclude, available_only, by_load)
    return [_expert(row, ids) for row in await read_rows(uow, *query)]


def _expert(row: Any, ids: list[int]) -> Expert:
    member_id, score, level, away, load, mask, name, title, department, until = row[:10]
    held = tuple(skill_id for bit, skill_id in enumerate(ids) if int(mask or 0) >> bit & 1)
    return Expert(member_id, name, title, department, held, int(level), bool(away),
                  until if away else None, int(load), float(score))


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


async def find_experts(db: Database, uow: UnitOfWork, topic: str, now: datetime, limit: int = 10,
                       ) -> SearchResult:
    """``expert find``: the skills the topic names, and their experts ranked.

    One database round trip in the usual case: the ranking query also returns the vocabulary version,
    and only when that differs from the cached vocabulary (or nothing matched) is the search redone
    with a fresh one.
    """
    vocab = cached_vocabulary(db) or await load_vocabulary(db, uow)
    while True:
        scores = match_skills(vocab, topic)
        rows: list[Any] = []
        if scores:
            ids, query = _ranking(scores, now, limit, frozenset(), False, False, with_version=True)
            rows = await read_rows(uow, *query)
        version = as_version(rows[0][10:13]) if rows else await read_version(uow)
        if version == vocab.version:
            break
        vocab = await load_vocabulary(db, uow, version)
    experts = [_expert(row, ids) for row in rows]
    skills = tuple(vocab.names[i] for i in sorted(scores, key=lambda i: -scores[i]))
    suggestions = [] if experts else [s for s in suggest(vocab, topic) if s not in skills]
    return SearchResult(skills, experts, suggestions, vocab.names)
