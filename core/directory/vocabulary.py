"""The skill vocabulary of a database, held in memory per process and kept current.

The vocabulary is every skill name, its curated synonyms (``SkillAlias`` rows, added in chat with
``expert synonym add``) and its shipped aliases (``prompts/skills.toml``), folded and indexed under
each of their written forms (``core.directory.word_forms``): words sorted, words joined, initialisms.
It is a few thousand strings, rebuilt only when a cheap version changes: skill count, highest skill
id, synonym count, highest synonym id. Synonym ids are never reused (``AUTOINCREMENT`` on SQLite, a
sequence on PostgreSQL), so any addition or removal, in any order, changes the version.
``core.directory.search`` reads that version in the same query as its ranking, so a search usually
costs one round trip and is never stale, even when another process added the skill or the synonym:
no TTL to wait for. Matching text against it is ``core.directory.matching``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlmodel import col, func, select

from core.directory import everyday_words
from core.directory.models import Skill, SkillAlias
from core.directory.skills import vocabulary
from core.directory.word_forms import acronym_form, initialisms, joined, key, leading_runs, natural
from core.runtime.db import Database, UnitOfWork
from core.runtime.sqlite_driver import read_rows

Version = tuple[int, int, int, int]
Ids = tuple[int, ...]


@dataclass(frozen=True)
class Vocabulary:
    """Folded names and aliases (shortest first), each pointing to the skills it names.

    ``lengths`` lets a fuzzy match skip the strings too short or too long to reach its cutoff;
    ``words`` (sorted) and ``with_word`` (word → strings holding it) narrow suggestions to related
    names and complete clipped words. ``natural`` holds each string with its words in their usual
    order (same length as the key). ``fused`` maps each string's words written as one
    (``datawarehouse``) to its skills; ``initials`` the initialisms of the strings of several words
    (``nlp``); ``acronyms`` the strings of one short word (``siem``, ``fp&a`` as ``fpa``); ``leading``
    the leading words (two or more) of a longer string, by key (``site reliability``).
    """

    version: Version
    choices: list[str]
    skills_of: list[Ids]
    names: dict[int, str]
    exact: dict[str, int]
    lengths: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    with_word: dict[str, Ids] = field(default_factory=dict)
    natural: list[str] = field(default_factory=list)
    fused: dict[str, Ids] = field(default_factory=dict)
    initials: dict[str, Ids] = field(default_factory=dict)
    acronyms: dict[str, Ids] = field(default_factory=dict)
    leading: dict[str, Ids] = field(default_factory=dict)
    #: what ``core.directory.matching`` computed of this vocabulary (a topic's skills, a phrase's
    #: close strings, suggestions), kept with it: the same topics and phrases come back all day, and
    #: a new vocabulary (a skill or synonym added) starts with none
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)


_CACHE: WeakKeyDictionary[Database, Vocabulary] = WeakKeyDictionary()
MAX_ACRONYM = 8


def version_columns() -> list[Any]:
    """Skill count, highest skill id, synonym count, highest synonym id: they change whenever the
    vocabulary does.

    Read with every search, so the vocabulary is never stale, even when another process added the
    skill. ``count(*)``, not ``count(id)``: SQLite counts a table's b-tree without reading its rows.
    """
    return [select(func.count()).select_from(Skill).scalar_subquery(),
            select(func.coalesce(func.max(col(Skill.id)), 0)).scalar_subquery(),
            select(func.count()).select_from(SkillAlias).scalar_subquery(),
            select(func.coalesce(func.max(col(SkillAlias.id)), 0)).scalar_subquery()]


def as_version(values: Any) -> Version:
    count, highest, aliases, highest_alias = values
    return int(count), int(highest), int(aliases), int(highest_alias)


@cache
def _version_statement() -> Any:
    return select(*version_columns())


async def read_version(uow: UnitOfWork) -> Version:
    return as_version((await read_rows(uow, _version_statement()))[0])


def _grouped(pairs: dict[str, set[int]]) -> dict[str, Ids]:
    return {text: tuple(sorted(ids)) for text, ids in pairs.items()}


def index(names: dict[int, str], strings: list[tuple[str, int]], version: Version = (0, 0, 0, 0),
          ) -> Vocabulary:
    """The vocabulary of ``names`` (skill id → name) and ``strings`` ((text, skill id): every name,
    alias and synonym), indexed under each written form."""
    by_key: dict[str, set[int]] = {}
    natural_of: dict[str, str] = {}
    fused: dict[str, set[int]] = {}
    initials: dict[str, set[int]] = {}
    acronyms: dict[str, set[int]] = {}
    leading: dict[str, set[int]] = {}
    for text, skill_id in strings:
        folded = natural(text)
        if not folded:
            continue
        sorted_key = key(text)
        by_key.setdefault(sorted_key, set()).add(skill_id)
        natural_of.setdefault(sorted_key, folded)
        words = folded.split()
        fused.setdefault(joined(words), set()).add(skill_id)
        for initialism in initialisms(words):
            initials.setdefault(initialism, set()).add(skill_id)
        for run in leading_runs(words):
            leading.setdefault(run, set()).add(skill_id)
        if len(words) == 1 and 2 <= len(acronym := acronym_form(folded)) <= MAX_ACRONYM:
            acronyms.setdefault(acronym, set()).add(skill_id)
    choices = sorted(by_key, key=len)
    with_word: dict[str, list[int]] = {}
    for position, choice in enumerate(choices):
        for word in set(choice.split()):
            with_word.setdefault(word, []).append(position)
    return Vocabulary(version, choices, [tuple(sorted(by_key[c])) for c in choices], names,
                      {c: i for i, c in enumerate(choices)}, [len(c) for c in choices], sorted(with_word),
                      {word: tuple(positions) for word, positions in with_word.items()},
                      [natural_of[c] for c in choices], _grouped(fused), _grouped(initials),
                      _grouped(acronyms), _grouped(leading))


async def _build(uow: UnitOfWork, version: Version) -> Vocabulary:
    await asyncio.to_thread(everyday_words.load)  # once per process, about a second: off the event loop
    names = {skill_id: name for skill_id, name in (await uow.session.exec(select(Skill.id, Skill.name))).all()
             if skill_id is not None}  # a stored row always has its id: narrows ``int | None``
    shipped = vocabulary()
    strings = [(text, skill_id) for skill_id, name in names.items()
               for text in (name, *shipped.get(name, ()))]
    strings += list((await uow.session.exec(select(SkillAlias.alias, SkillAlias.skill_id))).all())
    return index(names, strings, version)


def cached_vocabulary(db: Database) -> Vocabulary | None:
    """The vocabulary this process last built for ``db``, without checking it is current."""
    return _CACHE.get(db)


async def load_vocabulary(uow: UnitOfWork, db: Database, version: Version | None = None) -> Vocabulary:
    """The vocabulary of ``db``, from the process cache unless a skill or synonym was added or removed."""
    version = version or await read_version(uow)
    cached = _CACHE.get(db)
    if cached is None or cached.version != version:
        cached = _CACHE[db] = await _build(uow, version)
    return cached
