"""The skill vocabulary of a database, and matching free text against it.

The vocabulary (every skill name, its database aliases and its ``prompts/skills.toml`` aliases; folded,
words sorted) is a few thousand strings held in memory per process and per database. It is rebuilt only
when a cheap version (skill count, highest skill id, alias count) changes; ``core.directory.search`` reads
that version in the same query as its ranking, so a search usually costs one round trip and is never
stale, even when another process (a worker, the other bot) added the skill: no TTL to wait for.
Matching cuts a text into phrase windows of up to four words: exact names and aliases are dictionary
lookups, the other windows one rapidfuzz pass each (``ratio``, no processor: the strings are folded
once, when the vocabulary is built) over the strings whose length can reach the cutoff.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from rapidfuzz import fuzz, process
from sqlmodel import col, func, select

from core.directory.models import Skill, SkillAlias
from core.directory.skills import vocabulary
from core.runtime.db import Database, UnitOfWork
from core.runtime.sqlite_driver import read_rows
from core.text import fold

MAX_WINDOW = 4
WEAK = 90  # a phrase matched below this score sorted is also compared in typed order, for a strong match
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
    """Folded names and aliases (shortest first), each pointing to the skills it names.

    ``lengths`` lets a fuzzy match skip the strings too short or too long to reach its cutoff;
    ``words`` and ``with_word`` (word → strings holding it) narrow suggestions to related names.
    ``natural`` holds each string with its words in their usual order (same length as the key).
    """

    version: tuple[int, int, int]
    choices: list[str]
    skills_of: list[tuple[int, ...]]
    names: dict[int, str]
    exact: dict[str, int]
    lengths: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    with_word: dict[str, tuple[int, ...]] = field(default_factory=dict)
    natural: list[str] = field(default_factory=list)


_CACHE: WeakKeyDictionary[Database, Vocabulary] = WeakKeyDictionary()


def _natural(text: str) -> str:
    """Folded, hyphens and underscores as spaces, white space collapsed; words in typed order."""
    return " ".join(fold(text).replace("-", " ").replace("_", " ").split())


def _key(text: str) -> str:
    """``_natural`` with words sorted: ``ratio`` on keys is ``token_sort_ratio``, computed once for
    the vocabulary instead of once per comparison."""
    return " ".join(sorted(_natural(text).split()))


def version_columns() -> list[Any]:
    """Skill count, highest skill id, alias count: they change whenever the vocabulary does.

    Read with every search, so the vocabulary is never stale, even when another process added the
    skill. ``count(*)``, not ``count(id)``: SQLite counts a table's b-tree without reading its rows.
    """
    return [select(func.count()).select_from(Skill).scalar_subquery(),
            select(func.coalesce(func.max(col(Skill.id)), 0)).scalar_subquery(),
            select(func.count()).select_from(SkillAlias).scalar_subquery()]


def as_version(values: Any) -> tuple[int, int, int]:
    count, highest, aliases = values
    return int(count), int(highest), int(aliases)


@cache
def _version_statement() -> Any:
    return select(*version_columns())


async def read_version(uow: UnitOfWork) -> tuple[int, int, int]:
    return as_version((await read_rows(uow, _version_statement()))[0])


async def _build(uow: UnitOfWork, version: tuple[int, int, int]) -> Vocabulary:
    names = {skill_id: name for skill_id, name in (await uow.session.exec(select(Skill.id, Skill.name))).all()
             if skill_id is not None}  # a stored row always has its id: narrows ``int | None``
    by_key: dict[str, set[int]] = {}
    natural: dict[str, str] = {}

    def add(text: str, skill_id: int) -> None:
        by_key.setdefault(_key(text), set()).add(skill_id)
        natural.setdefault(_key(text), _natural(text))

    for skill_id, name in names.items():
        add(name, skill_id)
        for alias in vocabulary().get(name, ()):
            add(alias, skill_id)
    for alias, skill_id in (await uow.session.exec(select(SkillAlias.alias, SkillAlias.skill_id))).all():
        add(alias, skill_id)
    choices = sorted(by_key, key=len)
    with_word: dict[str, list[int]] = {}
    for index, choice in enumerate(choices):
        for word in set(choice.split()):
            with_word.setdefault(word, []).append(index)
    return Vocabulary(version, choices, [tuple(sorted(by_key[c])) for c in choices], names,
                      {c: i for i, c in enumerate(choices)}, [len(c) for c in choices], list(with_word),
                      {word: tuple(indexes) for word, indexes in with_word.items()},
                      [natural[c] for c in choices])


def cached_vocabulary(db: Database) -> Vocabulary | None:
    """The vocabulary this process last built for ``db``, without checking it is current."""
    return _CACHE.get(db)


async def load_vocabulary(uow: UnitOfWork, db: Database, version: tuple[int, int, int] | None = None,
                          ) -> Vocabulary:
    """The vocabulary of ``db``, from the process cache unless a skill or alias was added or removed."""
    version = version or await read_version(uow)
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


def _windows(words: list[str], question: bool, filler: frozenset[int] = frozenset(),
             ) -> list[tuple[int, int, str, bool]]:
    """(start, end, phrase, fuzzy) for each run of up to four words worth looking up.

    A run that starts or ends with a filler word is only looked up exactly, and only when it has
    several words, not all filler (the alias ``on-call``); the others are matched fuzzily too. In a
    question, the words ``filler`` indexes (short and question words) never start or end a run but may
    sit inside one ("droit du travail", "gestion de projet").
    """
    stop = _QUESTION_WORDS if question else _STOPWORDS
    found = []
    for size in range(1, MAX_WINDOW + 1):
        for start in range(len(words) - size + 1):
            part = words[start:start + size]
            if "" in part or start in filler or start + size - 1 in filler:
                continue
            fuzzy = part[0] not in stop and part[-1] not in stop
            if fuzzy or (size > 1 and not all(word in stop for word in part)):
                found.append((start, start + size, " ".join(part), fuzzy))
    return found


def _close(vocab: Vocabulary, key: str, cutoff: float, limit: int, natural: bool = False,
           ) -> list[tuple[float, int]]:
    """(score, index) of the vocabulary strings whose ``ratio`` with ``key`` reaches ``cutoff``
    (the ``natural`` strings when ``natural``: ``key`` is then in typed order).

    ``ratio`` is at most 200·min(a, b)/(a + b) for lengths a and b, so only lengths between
    len·c/(200−c) and len·(200−c)/c can reach cutoff c: a slice of the length-sorted strings
    (a tenth of them for one word), not all of them.
    """
    size = len(key)
    low = bisect_left(vocab.lengths, size * cutoff / (200 - cutoff) - 1)
    high = bisect_right(vocab.lengths, size * (200 - cutoff) / max(cutoff, 1) + 1)
    strings = vocab.natural if natural else vocab.choices
    found = process.extract(key, strings[low:high], scorer=fuzz.ratio, processor=None,
                            score_cutoff=cutoff, limit=limit)
    return [(score, low + index) for _, score, index in found]


def _candidate(vocab: Vocabulary, found: list[tuple[float, int]], start: int, end: int,
               ) -> tuple[float, int, int, tuple[int, ...]]:
    """(score with the phrase bonus, start, end, skills): the best strings found for a window."""
    best = found[0][0]
    ids = tuple({i for score, index in found if score >= best for i in vocab.skills_of[index]})
    return best + 5 * (end - start - 1), start, end, ids


def match_skills(vocab: Vocabulary, text: str, question: bool = False) -> dict[int, float]:
    """Skill id → match score (0–100) for every skill the text mentions.

    Each phrase window of up to four words is matched against the vocabulary; overlapping windows
    compete and the best one (longer phrases get a small bonus) claims its words, so "machine
    learning" is one skill, not "machine" and "learning". Words are compared sorted (any order),
    then in typed order for the phrases that matched only weakly or whose words nothing else matched:
    a typo that moves a word boundary or changes a first letter ("coastal rachitecture", "marin
    eventilation") reorders the sorted words.
    """
    words = words_of(text)
    filler = frozenset(i for i, word in enumerate(words_of(text, question=True)) if not word) if question \
        else frozenset()
    phrases = _windows(words, question, filler)
    windows = [(start, end, _key(phrase), phrase, fuzzy) for start, end, phrase, fuzzy in phrases]
    candidates: list[tuple[float, int, int, tuple[int, ...]]] = []
    exact_words: set[int] = set()
    for start, end, window, _, _ in windows:  # exact names and aliases first: dictionary lookups
        exact = vocab.exact.get(window)
        if exact is not None:
            candidates.append((100.0 + 5 * (end - start - 1), start, end, vocab.skills_of[exact]))
            exact_words |= set(range(start, end)) if end - start > 1 else set()
    retry: list[tuple[int, int, str, float, bool]] = []  # (start, end, phrase, cutoff, weak)
    for start, end, window, phrase, fuzzy in windows:  # then fuzzy, except inside an exact phrase
        if not fuzzy or window in vocab.exact or set(range(start, end)) <= exact_words:
            continue
        cutoff = _cutoff(window, question)
        found = _close(vocab, window, cutoff, limit=8)
        if found:
            candidates.append(_candidate(vocab, found, start, end))
        if end - start > 1 and (not found or found[0][0] < WEAK):
            retry.append((start, end, phrase, WEAK if found else cutoff, bool(found)))
    matched = {word for _, start, end, _ in candidates for word in range(start, end)}
    for start, end, phrase, cutoff, weak in retry:  # typed order: weak matches, words nothing matched
        if weak or matched.isdisjoint(range(start, end)):
            if found := _close(vocab, _natural(phrase), cutoff, limit=8, natural=True):
                candidates.append(_candidate(vocab, found, start, end))
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
    """Close skill names for a topic that matched nothing.

    ``WRatio`` is slow (several scorers per pair), so it only ranks the names sharing a word, or a
    word close to one, with the topic; a topic whose words are all unknown is compared with every
    name by plain ``ratio``.
    """
    words = [w for w in words_of(text) if w]
    if not words:
        return []
    query = " ".join(words)
    pool = sorted({index for word in set(words) - _STOPWORDS
                   for close, _, _ in process.extract(word, vocab.words, scorer=fuzz.ratio, processor=None,
                                                      score_cutoff=70, limit=limit)
                   for index in vocab.with_word[close]})
    if pool:
        choices = [vocab.choices[index] for index in pool]
        found = [(pool[k], score) for _, score, k in process.extract(
            query, choices, scorer=fuzz.WRatio, processor=None, limit=limit * 4, score_cutoff=50)]
    else:
        found = [(k, score) for _, score, k in process.extract(
            _key(query), vocab.choices, scorer=fuzz.ratio, processor=None, limit=limit * 4, score_cutoff=50)]
    names = [vocab.names[i] for index, _ in found for i in vocab.skills_of[index]]
    return list(dict.fromkeys(names))[:limit]
