"""Curated synonyms: the company's own words for a skill, added and removed in chat by the people
who know (referents and admins: ``expert synonym add|remove|list``).

Why in the database and not in ``prompts/skills.toml``: every company has words no shipped file can
know (product names, internal tools, team jargon), and the people who hear them are not the ones who
deploy Parvis. A synonym is a ``SkillAlias`` row, stored folded (lower case, no accents, single
spaces: the form matching uses), so ``Sécu`` and ``secu`` are one synonym and the unique constraint
holds that across processes. Adding or removing one changes the vocabulary's version
(``core.directory.vocabulary``), which every search reads: every process uses it at its next search.
Every change leaves an ``AuditEntry`` (who, what, for which skill).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.activity import audit
from core.directory.models import Skill, SkillAlias
from core.directory.skills import MAX_SKILL_NAME, alias_map, normalise_skill, vocabulary
from core.directory.word_forms import QUESTION_WORDS
from core.errors import Conflict, InvalidInput, NotFound, UsageError
from core.runtime.db import UnitOfWork
from core.text import fold

USAGE = "usage.expert.synonym"
QUOTES = '"“”«»'


@dataclass(frozen=True)
class Synonyms:
    """What ``expert synonym list`` shows: the skill's name, the synonyms shipped with Parvis and the
    ones curated in this company (word, added on)."""

    skill: str
    shipped: tuple[str, ...]
    curated: tuple[tuple[str, datetime], ...]


def folded(word: str) -> str:
    """The stored form of a synonym: ``  Sécu  Réseau `` → ``secu reseau``."""
    return fold(normalise_skill(word.strip().strip(QUOTES)))


def parse_pair(text: str) -> tuple[str, str]:
    """``<word> = <skill>`` → (word, skill) as typed; a clear error for a missing ``=`` or side."""
    word, equals, skill = text.partition("=")
    word, skill = word.strip().strip(QUOTES).strip(), skill.strip().strip(QUOTES).strip()
    if not equals:
        raise UsageError("synonym.no_equals", usage=USAGE, text=text.strip())
    if not word or not skill:
        raise UsageError("synonym.empty_side", usage=USAGE)
    return word, skill


def _check_word(word: str) -> str:
    """The word, folded, when it can be a synonym: letters or digits, not a filler word, not too long."""
    form = folded(word)
    if len(form) > MAX_SKILL_NAME:
        raise InvalidInput("synonym.too_long", limit=MAX_SKILL_NAME)
    if not any(ch.isalnum() for ch in form):
        raise InvalidInput("synonym.no_letters", word=word)
    if form in QUESTION_WORDS:
        raise InvalidInput("synonym.filler", word=word)
    return form


async def _skill_named(uow: UnitOfWork, form: str) -> Skill | None:
    """The skill row whose name, folded, is ``form`` (names keep their accents: "négociation")."""
    skill = (await uow.session.exec(select(Skill).where(Skill.name == form))).first()
    if skill is None:
        names = (await uow.session.exec(select(Skill.id, Skill.name))).all()
        ids = [skill_id for skill_id, name in names if fold(name) == form]
        skill = await uow.session.get(Skill, ids[0]) if ids else None
    return skill


async def _meaning(uow: UnitOfWork, form: str) -> tuple[str, Skill | None] | None:
    """What a folded word already names: (skill name, its row if any) — a shipped name or alias
    (even of a skill nobody declared yet), a skill someone declared, or a curated synonym."""
    if form in alias_map():
        name = alias_map()[form]
        return name, await _skill_named(uow, fold(name))
    skill = await _skill_named(uow, form)
    if skill is None:
        curated = select(SkillAlias.skill_id).where(SkillAlias.alias == form)
        skill_id = (await uow.session.exec(curated)).first()
        skill = await uow.session.get(Skill, skill_id) if skill_id is not None else None
    return (skill.name, skill) if skill is not None else None


async def find_skill(uow: UnitOfWork, typed: str) -> Skill:
    """The skill ``typed`` names (a skill someone declared, a shipped skill, or any of their
    synonyms); a shipped skill nobody declared yet is created. Unknown: ``NotFound`` with close names."""
    meant = await _meaning(uow, folded(typed))
    if meant is not None and meant[1] is not None:
        return meant[1]
    if meant is not None:  # a shipped skill nobody declared yet
        skill = Skill(name=meant[0])
        uow.session.add(skill)
        await uow.session.flush()
        return skill
    form = folded(typed)
    names = list((await uow.session.exec(select(Skill.name))).all()) + list(vocabulary())
    close = [found for found, _, _ in process.extract(form, list(dict.fromkeys(names)), scorer=fuzz.WRatio,
                                                         processor=fold, score_cutoff=75, limit=3)]
    if close:
        raise NotFound("synonym.unknown_skill_suggest", skill=typed, suggestions=", ".join(close))
    raise NotFound("synonym.unknown_skill", skill=typed)


async def add(uow: UnitOfWork, word: str, skill_name: str, actor_id: int, now: datetime) -> str:
    """Make ``word`` a synonym of the skill ``skill_name`` names; returns the skill's name.

    Refused: a word that already names a skill (itself, another, or the same one), and a race lost
    to another process adding the same word (the unique constraint)."""
    form = _check_word(word)
    skill = await find_skill(uow, skill_name)
    meant = await _meaning(uow, form)
    if meant is not None:
        key = "synonym.already" if meant[0] == skill.name else "synonym.taken"
        raise Conflict(key, word=word, skill=meant[0])
    assert skill.id is not None
    uow.session.add(SkillAlias(alias=form, skill_id=skill.id, added_by=actor_id, added_at=now))
    audit.record(uow, actor_id, "skill.synonym_add", form, {"skill": skill.name}, at=now)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # another process added the same word a moment ago
        raise Conflict("synonym.taken_meanwhile", word=word) from exc
    return skill.name


async def remove(uow: UnitOfWork, word: str, actor_id: int, now: datetime) -> str:
    """Remove the curated synonym ``word``; returns the skill it named. Shipped synonyms and skill
    names cannot be removed in chat (they say so)."""
    form = folded(word)
    row = (await uow.session.exec(select(SkillAlias).where(SkillAlias.alias == form))).first()
    if row is None:
        meant = await _meaning(uow, form)
        if meant is None:
            raise NotFound("synonym.not_found", word=word)
        shipped = form in alias_map() and fold(alias_map()[form]) != form
        raise Conflict("synonym.shipped" if shipped else "synonym.is_skill", word=word, skill=meant[0])
    skill = await uow.session.get(Skill, row.skill_id)
    name = skill.name if skill is not None else "?"
    await uow.session.delete(row)
    audit.record(uow, actor_id, "skill.synonym_remove", form, {"skill": name}, at=now)
    return name


async def of_skill(uow: UnitOfWork, typed: str) -> Synonyms:
    """The synonyms of the skill ``typed`` names (shipped, then curated, oldest first)."""
    skill = await find_skill(uow, typed)
    curated = (await uow.session.exec(select(SkillAlias.alias, SkillAlias.added_at)
                                      .where(SkillAlias.skill_id == skill.id)
                                      .order_by(col(SkillAlias.added_at), col(SkillAlias.id)))).all()
    return Synonyms(skill.name, vocabulary().get(skill.name, ()), tuple((a, at) for a, at in curated))
