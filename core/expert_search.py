"""Who knows X: fuzzy matching over the skill vocabulary, then the index skill → experts.

Searching never scans member rows with rapidfuzz. The vocabulary (every skill name, its database
aliases and its ``prompts/skills.toml`` aliases, folded) is a few thousand strings held in memory per
process and per database; it is rebuilt only when a cheap version query (skill count, highest skill id,
alias count) says the vocabulary changed. A search is one fuzzy pass over the vocabulary per phrase
window of the topic, then one indexed query over ``expert_skill`` by skill ids that ranks the experts
in SQL (match score, level, availability, load) and returns only the page shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from rapidfuzz import fuzz, process
from sqlalchemy import Float, Integer, and_, bindparam, case, false, literal_column, or_
from sqlmodel import col, func, select

from core.db import Database, UnitOfWork
from core.models import ExpertSkill, ExpertStatus, Member, Question, Skill, SkillAlias
from core.models.base import UTCDateTime
from core.skills import vocabulary
from core.text import fold

MAX_WINDOW = 4
MAX_MASKED = 60
ERASED_MARGIN = 20
OPEN_ASSIGNED: tuple[str, ...] = ("routed", "escalated")
_WORD = re.compile(r"[\w+#/.&]+")
_STOPWORDS = frozenset("""
a an and or the of on in to for with without from by at as is are be how what who which where when
do does i we you my our your can could should would it this that there some any about into using use
le la les un une des de du d l et ou en au aux pour avec sans sur dans par qui que quoi comment est
sont je nous vous mon ma mes notre votre ce cet cette il elle on y a se sa son ses leur
""".split())
# Extra words ignored when matching a whole question, not a search topic: common verbs and nouns.
_QUESTION_WORDS = frozenset("""
need help anyone someone know knows knew please thanks hello hi question questions problem issue
get got make set up want like best way work working why tell explain advice
besoin aide quelqu'un quelqu sait savoir merci bonjour salut problème probleme faire mettre veux
voudrais comment pourquoi meilleure facon façon conseil expliquer
""".split()) | _STOPWORDS


@dataclass(frozen=True)
class Vocabulary:
    """Folded names and aliases, each pointing to the skills it names."""

    version: tuple[int, int, int]
    choices: list[str]
    skills_of: list[tuple[int, ...]]
    names: dict[int, str]
    exact: dict[str, int]


_CACHE: WeakKeyDictionary[Database, Vocabulary] = WeakKeyDictionary()


def _key(text: str) -> str:
    """Folded, white space collapsed, words sorted: ``ratio`` on keys is ``token_sort_ratio``,
    computed once for the vocabulary instead of once per comparison."""
    return " ".join(sorted(fold(text).replace("-", " ").replace("_", " ").split()))


async def _rows(uow: UnitOfWork, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """Run a read on the session's connection (SQLAlchemy Core: no ORM bookkeeping per search)."""
    connection = await uow.session.connection()
    return list((await connection.execute(statement, params or {})).all())


def _version_columns() -> list[Any]:
    """Skill count, highest skill id, alias count: they change whenever the vocabulary does."""
    return [select(func.count(col(Skill.id))).scalar_subquery(),
            select(func.coalesce(func.max(col(Skill.id)), 0)).scalar_subquery(),
            select(func.count()).select_from(SkillAlias).scalar_subquery()]


def _as_version(values: Any) -> tuple[int, int, int]:
    count, highest, aliases = values
    return int(count), int(highest), int(aliases)


async def _version(uow: UnitOfWork) -> tuple[int, int, int]:
    return _as_version((await _rows(uow, select(*_version_columns())))[0])


async def _build(uow: UnitOfWork, version: tuple[int, int, int]) -> Vocabulary:
    names = dict((await uow.session.exec(select(Skill.id, Skill.name))).all())
    by_key: dict[str, set[int]] = {}
    for skill_id, name in names.items():
        by_key.setdefault(_key(name), set()).add(skill_id)
        for alias in vocabulary().get(name, ()):
            by_key.setdefault(_key(alias), set()).add(skill_id)
    for alias, skill_id in (await uow.session.exec(select(SkillAlias.alias, SkillAlias.skill_id))).all():
        by_key.setdefault(_key(alias), set()).add(skill_id)
    choices = list(by_key)
    return Vocabulary(version, choices, [tuple(sorted(by_key[c])) for c in choices], names,
                      {c: i for i, c in enumerate(choices)})


async def load_vocabulary(db: Database, uow: UnitOfWork, version: tuple[int, int, int] | None = None,
                          ) -> Vocabulary:
    """The vocabulary of ``db``, from the process cache unless a skill or alias was added or removed."""
    version = version or await _version(uow)
    cached = _CACHE.get(db)
    if cached is None or cached.version != version:
        cached = _CACHE[db] = await _build(uow, version)
    return cached


def words_of(text: str, question: bool = False) -> list[str]:
    """The words of a topic, folded; in a question, filler and short lower-case words are dropped."""
    words = []
    for raw in _WORD.findall(text.replace("'", " ").replace("’", " ")):
        raw = raw.strip(".-/")
        word = fold(raw)
        if not word:
            continue
        if question and (word in _QUESTION_WORDS or (len(word) <= 2 and not raw.isupper())):
            word = ""
        words.append(word)
    return words


def _cutoff(window: str, question: bool) -> float:
    """Short words must match exactly ("go" is not "git"); long ones tolerate a typo or two."""
    if len(window) <= 3:
        return 100
    return 86 if question else 80


def _windows(words: list[str], question: bool) -> list[tuple[int, int, str]]:
    stop = _QUESTION_WORDS if question else _STOPWORDS
    found = []
    for size in range(1, MAX_WINDOW + 1):
        for start in range(len(words) - size + 1):
            part = words[start:start + size]
            if not part[0] or not part[-1] or part[0] in stop or part[-1] in stop or "" in part:
                continue
            found.append((start, start + size, " ".join(part)))
    return found


def match_skills(vocab: Vocabulary, text: str, question: bool = False) -> dict[int, float]:
    """Skill id → match score (0–100) for every skill the text mentions.

    Each phrase window of up to four words is matched against the vocabulary; overlapping windows
    compete and the best one (longer phrases get a small bonus) claims its words, so "machine
    learning" is one skill, not "machine" and "learning".
    """
    phrases = _windows(words_of(text, question), question)
    windows = [(start, end, _key(phrase)) for start, end, phrase in phrases]
    candidates: list[tuple[float, int, int, tuple[int, ...]]] = []
    exact_words: set[int] = set()
    for start, end, window in windows:  # exact names and aliases first: dictionary lookups
        exact = vocab.exact.get(window)
        if exact is not None:
            candidates.append((100.0 + 5 * (end - start - 1), start, end, vocab.skills_of[exact]))
            exact_words |= set(range(start, end)) if end - start > 1 else set()
    for start, end, window in windows:  # then fuzzy, except inside a phrase already found exactly
        if window in vocab.exact or set(range(start, end)) <= exact_words:
            continue
        found = process.extract(window, vocab.choices, scorer=fuzz.ratio, processor=None,
                                score_cutoff=_cutoff(window, question), limit=8)
        if found:
            best = found[0][1]
            ids = tuple({i for _, score, index in found if score >= best for i in vocab.skills_of[index]})
            candidates.append((best + 5 * (end - start - 1), start, end, ids))
    taken: set[int] = set()
    scores: dict[int, float] = {}
    for bonus_score, start, end, ids in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if taken & set(range(start, end)):
            continue
        taken |= set(range(start, end))
        score = min(100.0, bonus_score - 5 * (end - start - 1))
        for skill_id in ids:
            scores[skill_id] = max(scores.get(skill_id, 0.0), score)
    return scores


def suggest(vocab: Vocabulary, text: str, limit: int = 5) -> list[str]:
    """Close skill names for a topic that matched nothing."""
    query = " ".join(w for w in words_of(text) if w)
    if not query:
        return []
    found = process.extract(query, vocab.choices, scorer=fuzz.WRatio, processor=None, limit=limit * 4,
                            score_cutoff=50)
    names = [vocab.names[i] for _, _, index in found for i in vocab.skills_of[index]]
    return list(dict.fromkeys(names))[:limit]


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
    return statement.add_columns(*_version_columns()) if with_version else statement


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
    return [_expert(row, ids) for row in await _rows(uow, *query)]


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
    vocab = _CACHE.get(db) or await load_vocabulary(db, uow)
    while True:
        scores = match_skills(vocab, topic)
        rows: list[Any] = []
        if scores:
            ids, query = _ranking(scores, now, limit, frozenset(), False, False, with_version=True)
            rows = await _rows(uow, *query)
        version = _as_version(rows[0][10:13]) if rows else await _version(uow)
        if version == vocab.version:
            break
        vocab = await load_vocabulary(db, uow, version)
    experts = [_expert(row, ids) for row in rows]
    skills = tuple(vocab.names[i] for i in sorted(scores, key=lambda i: -scores[i]))
    suggestions = [] if experts else [s for s in suggest(vocab, topic) if s not in skills]
    return SearchResult(skills, experts, suggestions, vocab.names)
