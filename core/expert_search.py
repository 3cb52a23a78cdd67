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
from typing import Any
from weakref import WeakKeyDictionary

from rapidfuzz import fuzz, process
from sqlalchemy import and_, case, false, literal, or_
from sqlmodel import col, func, select

from core.db import Database, UnitOfWork
from core.models import ExpertSkill, ExpertStatus, Member, Question, Skill, SkillAlias
from core.skills import vocabulary
from core.text import fold

MAX_WINDOW = 4
OPEN_ASSIGNED: tuple[str, ...] = ("routed", "escalated")
_WORD = re.compile(r"[\w+#/.&-]+")
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
    return " ".join(fold(text).split())


async def _version(uow: UnitOfWork) -> tuple[int, int, int]:
    skills = select(func.count(col(Skill.id))).scalar_subquery()
    top = select(func.coalesce(func.max(col(Skill.id)), 0)).scalar_subquery()
    aliases = select(func.count()).select_from(SkillAlias).scalar_subquery()
    count, highest, alias_count = (await uow.session.exec(select(skills, top, aliases))).one()
    return int(count), int(highest), int(alias_count)


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


async def load_vocabulary(db: Database, uow: UnitOfWork) -> Vocabulary:
    """The vocabulary of ``db``, from the process cache unless a skill or alias was added or removed."""
    version = await _version(uow)
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
    candidates: list[tuple[float, int, int, tuple[int, ...]]] = []
    for start, end, window in _windows(words_of(text, question), question):
        exact = vocab.exact.get(window)
        if exact is not None:
            candidates.append((100.0 + 5 * (end - start - 1), start, end, vocab.skills_of[exact]))
            continue
        found = process.extract(window, vocab.choices, scorer=fuzz.token_sort_ratio, processor=None,
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
    skills: tuple[str, ...]
    level: int
    away: bool
    away_until: datetime | None
    load: int
    score: float


def _away(now: datetime) -> Any:
    """SQL: the member is away now (away, and no end date or an end date still ahead)."""
    return and_(func.coalesce(ExpertStatus.away, false()),
                or_(col(ExpertStatus.away_until).is_(None), col(ExpertStatus.away_until) > now))


def _load() -> Any:
    return (select(col(Question.assignee_id).label("member_id"), func.count().label("n"))
            .where(col(Question.status).in_(OPEN_ASSIGNED)).group_by(col(Question.assignee_id)).subquery())


async def rank_experts(
    uow: UnitOfWork, scores: dict[int, float], now: datetime, *, limit: int = 10,
    exclude: set[int] | frozenset[int] = frozenset(), available_only: bool = False, by_load: bool = False,
) -> list[Expert]:
    """The holders of the matched skills, best first.

    Search order: summed match score, best level, available before away, fewest open questions.
    Routing (``by_load``) puts the fewest open questions first among the available ones.
    """
    if not scores:
        return []
    load, away = _load(), _away(now)
    score = func.sum(case({k: literal(v) for k, v in scores.items()}, value=col(ExpertSkill.skill_id),
                          else_=literal(0.0)))
    n, is_away = func.coalesce(func.max(load.c.n), 0), func.max(case((away, 1), else_=0))
    statement = (
        select(col(ExpertSkill.member_id), score, func.max(ExpertSkill.level), is_away, n)
        .join(Member, col(Member.id) == col(ExpertSkill.member_id))
        .outerjoin(ExpertStatus, col(ExpertStatus.member_id) == col(ExpertSkill.member_id))
        .outerjoin(load, load.c.member_id == col(ExpertSkill.member_id))
        .where(col(ExpertSkill.skill_id).in_(list(scores)), col(Member.erased_at).is_(None))
        .group_by(col(ExpertSkill.member_id))
    )
    if exclude:
        statement = statement.where(col(ExpertSkill.member_id).not_in(list(exclude)))
    if available_only:
        statement = statement.having(is_away == 0)
    order = [n, score.desc()] if by_load else [score.desc(), func.max(ExpertSkill.level).desc(), is_away, n]
    rows = (await uow.session.exec(statement.order_by(*order, col(ExpertSkill.member_id)).limit(limit))).all()
    return await _details(uow, rows, scores)


async def _details(uow: UnitOfWork, rows: Any, scores: dict[int, float]) -> list[Expert]:
    ids = [row[0] for row in rows]
    if not ids:
        return []
    members = {m.id: m for m in (await uow.session.exec(select(Member).where(col(Member.id).in_(ids))))}
    statuses = {s.member_id: s for s in (await uow.session.exec(
        select(ExpertStatus).where(col(ExpertStatus.member_id).in_(ids))))}
    held: dict[int, list[tuple[float, str]]] = {}
    for member_id, skill_id, name in (await uow.session.exec(
        select(ExpertSkill.member_id, ExpertSkill.skill_id, Skill.name)
        .join(Skill, col(Skill.id) == col(ExpertSkill.skill_id))
        .where(col(ExpertSkill.member_id).in_(ids), col(ExpertSkill.skill_id).in_(list(scores))))).all():
        held.setdefault(member_id, []).append((-scores[skill_id], name))
    experts = []
    for member_id, score, level, away, load in rows:
        member, status = members[member_id], statuses.get(member_id)
        experts.append(Expert(member_id, member.display_name, member.title, member.department,
                              tuple(name for _, name in sorted(held.get(member_id, []))), int(level),
                              bool(away), status.away_until if status and away else None, int(load),
                              float(score)))
    return experts


@dataclass(frozen=True)
class SearchResult:
    """What ``expert find`` shows: the skills understood, the experts, or close skills to try."""

    skills: tuple[str, ...]
    experts: list[Expert]
    suggestions: list[str]


async def find_experts(db: Database, uow: UnitOfWork, topic: str, now: datetime, limit: int = 10,
                       ) -> SearchResult:
    """``expert find``: the skills the topic names, and their experts ranked."""
    vocab = await load_vocabulary(db, uow)
    scores = match_skills(vocab, topic)
    skills = tuple(vocab.names[i] for i in sorted(scores, key=lambda i: -scores[i]))
    experts = await rank_experts(uow, scores, now, limit=limit)
    suggestions = [] if experts else [s for s in suggest(vocab, topic) if s not in skills]
    return SearchResult(skills, experts, suggestions)
