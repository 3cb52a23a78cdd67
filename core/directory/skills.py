"""Skills: one canonical row per skill, and the skills members declare.

The directory import and ``expert add`` both come through ``add_expert_skills``, so a skill typed as
``Kubernetes`` in a CSV and ``kubernetes`` in a chat is one row. Names are stored normalised (trimmed,
inner white space collapsed, lower-cased) and canonical: a name listed in ``prompts/skills.toml`` as an
alias or translation (``k8s``, ``apprentissage automatique``) becomes its canonical skill
(``kubernetes``, ``machine learning``), and a name that is a database alias (``SkillAlias``) resolves to
the skill it stands for, instead of creating a second one. Unknown skills are created, never refused.
Lookups are done per set of names, so importing thousands of people costs a few queries per batch,
not per person.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import Boolean, Integer, String, and_, bindparam, cast, delete, func, null, or_, union_all
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.directory import erased
from core.directory.models import ExpertSkill, Member, Skill, SkillAlias
from core.errors import InvalidInput, NotFound
from core.runtime.columns import utcnow
from core.runtime.db import ROWS_TOLD, UnitOfWork
from core.runtime.sqlite_driver import read_rows
from core.text import fold, normalise_quotes, unquote

MAX_SKILL_NAME = 100
DEFAULT_LEVEL = 2


def normalise_skill(name: str) -> str:
    """``"  Machine   Learning "`` → ``"machine learning"``: the form skills and aliases are stored in
    (typographic apostrophes and quotes as typed ones, whatever path the name came by)."""
    return " ".join(normalise_quotes(name).split()).lower()


@cache
def vocabulary() -> dict[str, tuple[str, ...]]:
    """``prompts/skills.toml``: canonical skill → its aliases and translations, read once."""
    source = resources.files("prompts").joinpath("skills.toml")
    table = tomllib.loads(source.read_text(encoding="utf-8"))["skills"]
    return {normalise_skill(name): tuple(normalise_skill(a) for a in aliases)
            for name, aliases in table.items()}


@cache
def alias_map() -> dict[str, str]:
    """Folded name or alias → canonical name (``apprentissage automatique`` → ``machine learning``)."""
    found: dict[str, str] = {}
    for name, aliases in vocabulary().items():
        for word in (name, *aliases):
            found.setdefault(fold(word), name)
    return found


def canonical(name: str) -> str:
    """The canonical name a typed skill stands for: its vocabulary entry, else itself normalised."""
    normal = normalise_skill(name)
    return alias_map().get(fold(normal), normal)


def _normalised(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in (canonical(name) for name in names) if n))


async def resolve_skills(uow: UnitOfWork, names: Iterable[str]) -> dict[str, Skill]:
    """Normalised name → its skill (aliases followed), creating the unknown ones."""
    wanted = _normalised(names)
    if not wanted:
        return {}
    folded = {fold(name) for name in wanted}  # synonyms are stored folded (core.directory.synonyms)
    curated = dict((await uow.session.exec(
        select(SkillAlias.alias, SkillAlias.skill_id).where(col(SkillAlias.alias).in_(folded)))).all())
    aliases = {name: curated[fold(name)] for name in wanted if fold(name) in curated}
    targets = set(wanted) - set(aliases)
    skills = (await uow.session.exec(select(Skill).where(
        col(Skill.name).in_(targets) | col(Skill.id).in_(set(aliases.values()))))).all()
    by_name = {skill.name: skill for skill in skills}
    by_id = {skill.id: skill for skill in skills}
    new = [Skill(name=name, created_at=utcnow()) for name in sorted(targets - set(by_name))]
    if new:
        uow.session.add_all(new)
        await uow.session.flush()
        by_name.update((skill.name, skill) for skill in new)
    return {name: by_id[aliases[name]] if name in aliases else by_name[name] for name in wanted}


async def find_or_create_skills(uow: UnitOfWork, names: Iterable[str]) -> list[Skill]:
    """The skills ``names`` stand for, in order, without duplicates."""
    found: dict[int | None, Skill] = {}
    for skill in (await resolve_skills(uow, names)).values():
        found.setdefault(skill.id, skill)
    return list(found.values())


async def add_expert_skills_many(
    uow: UnitOfWork, wanted: Mapping[int, Iterable[str]], level: int = DEFAULT_LEVEL,
    now: datetime | None = None, referents: frozenset[int] = frozenset(),
) -> dict[int, int]:
    """``add_expert_skills`` for many members at once; returns member id → skills new to them (or
    newly theirs as referent). The members in ``referents`` become referent for the skills listed."""
    names = {member_id: _normalised(skills) for member_id, skills in wanted.items()}
    skills = await resolve_skills(uow, (name for listed in names.values() for name in listed))
    added = {member_id: 0 for member_id in names}
    if not skills:
        return added
    # By member only (the primary key's prefix): filtering on skill_id too lets PostgreSQL pick the
    # skill index, which scans every holder of a common skill.
    held = {(row.member_id, row.skill_id): row for row in (await uow.session.exec(select(ExpertSkill).where(
        col(ExpertSkill.member_id).in_(list(names))))).all()}
    for member_id, listed in names.items():
        referent = member_id in referents
        for name in listed:
            skill_id = skills[name].id
            assert skill_id is not None
            row = held.get((member_id, skill_id))
            if row is None:
                held[member_id, skill_id] = row = ExpertSkill(
                    member_id=member_id, skill_id=skill_id, level=level, referent=referent,
                    added_at=now or utcnow())
                uow.session.add(row)
                added[member_id] += 1
            elif referent and not row.referent:
                row.referent = True
                added[member_id] += 1
    return added


async def add_expert_skills(
    uow: UnitOfWork, member_id: int, names: Iterable[str], level: int = DEFAULT_LEVEL,
    now: datetime | None = None,
) -> int:
    """Declare that the member knows ``names``; returns how many skills were new for them.

    Idempotent: a skill the member already has keeps its level (a level chosen by the member is not
    overwritten by a bulk import).
    """
    return (await add_expert_skills_many(uow, {member_id: names}, level, now))[member_id]


@dataclass(frozen=True)
class WantedSkill:
    """One skill of ``expert add``: its name as typed and the level asked for, if any."""

    name: str
    level: int | None = None


@dataclass(frozen=True)
class HeldSkill:
    """One of a member's skills, as ``expert me`` shows it."""

    name: str
    level: int
    referent: bool


_LEVEL = re.compile(r"^(?P<name>.*?)\s*(?::\s*(?P<colon>\d+)|\(\s*(?P<paren>\d+)\s*\))\s*$")


def parse_wanted(text: str) -> list[WantedSkill]:
    """``python:3, k8s (2); figma`` → three skills; levels are 1 (basics) to 3 (expert).

    Commas and semicolons separate skills; a level is written ``skill:N`` or ``skill (N)``.
    """
    wanted: list[WantedSkill] = []
    for part in re.split(r"[,;\n]", text):
        part = unquote(normalise_quotes(part))
        if not part:
            continue
        level: int | None = None
        if m := _LEVEL.match(part):
            part, level = m["name"].strip(), int(m["colon"] or m["paren"])
            if not 1 <= level <= 3:
                raise InvalidInput("expert.bad_level", skill=part, level=level)
        if not part:
            continue
        if len(part) > MAX_SKILL_NAME:
            raise InvalidInput("expert.skill_too_long", limit=MAX_SKILL_NAME)
        wanted.append(WantedSkill(part, level))
    return wanted


async def declare_skills(
    uow: UnitOfWork, member_id: int, wanted: list[WantedSkill], referent: bool, now: datetime,
) -> list[HeldSkill]:
    """Add or re-level the member's skills (a referent becomes referent for each); returns them.

    A skill the member already holds as asked is not written again: declaring it once more (the most
    common ``expert add``) is then a read, with no transaction, no SQLite write turn and no commit."""
    skills = await _known_skills(uow, [w.name for w in wanted], member_id)
    held = {known.id: known.held for known in skills.values()}  # as read, then as declared below
    result: dict[str, HeldSkill] = {}
    writes = _writes(skills, held, wanted, referent)
    for index, item in enumerate(wanted):
        known = skills[canonical(item.name)]
        now_held = held[known.id]
        if not _unchanged(now_held, item.level, referent):
            now_held = held[known.id] = await _declare(uow, member_id, known.id, item.level, referent, now,
                                                       last=index == writes[-1])
        assert now_held is not None
        result[known.name] = HeldSkill(known.name, *now_held)
    return list(result.values())


@dataclass(frozen=True)
class KnownSkill:
    """A skill found by one of its names, and the member's (level, referent mark) in it if held."""

    id: int
    name: str
    held: tuple[int, bool] | None = None


def _writes(skills: Mapping[str, KnownSkill], held: Mapping[int, tuple[int, bool] | None],
            wanted: list[WantedSkill], referent: bool) -> list[int]:
    """The indexes of ``wanted`` that ``declare_skills`` will write (the last may commit on its own:
    ``UnitOfWork.write``), following what each write makes of the skill held (a skill named twice)."""
    after = dict(held)
    found = []
    for index, item in enumerate(wanted):
        skill_id = skills[canonical(item.name)].id
        before = after[skill_id]
        if not _unchanged(before, item.level, referent):
            found.append(index)
            after[skill_id] = ((item.level or DEFAULT_LEVEL, referent) if before is None
                               else (item.level or before[0], before[1] or referent))
    return found or [-1]


def _unchanged(held: tuple[int, bool] | None, level: int | None, referent: bool) -> bool:
    """Whether declaring the skill would change nothing (``_declare_statement``'s ``WHERE``): held
    already, at the level asked (or none asked), and a referent already if the member is one."""
    return held is not None and level in (None, held[0]) and (held[1] or not referent)


@lru_cache(maxsize=64)
def _known_statement(names: int, folded: int) -> Any:
    """The skills named (``n0``…) and those the curated aliases (``f0``…) stand for, in one statement:
    id, name, the alias matched (``NULL`` for a match by name), and the level and referent mark of
    the ``member`` in it (``NULL`` when not held). One statement per count of names, with plain
    parameters rather than expanding ones, so that SQLite's fast paths take it."""
    named = [bindparam(f"n{i}", type_=String()) for i in range(names)]
    aliases = [bindparam(f"f{i}", type_=String()) for i in range(folded)]
    member = bindparam("member", type_=Integer())
    mine = and_(col(ExpertSkill.skill_id) == col(Skill.id), col(ExpertSkill.member_id) == member)
    level, referent = col(ExpertSkill.level), col(ExpertSkill.referent)
    # SQLAlchemy's own select: sqlmodel's is typed for at most four columns
    by_name = (sa_select(col(Skill.id), col(Skill.name), cast(null(), String()), level, referent)
               .outerjoin(ExpertSkill, mine).where(col(Skill.name).in_(named)))
    by_alias = (sa_select(col(Skill.id), col(Skill.name), col(SkillAlias.alias), level, referent)
                .join(SkillAlias, col(SkillAlias.skill_id) == col(Skill.id))
                .outerjoin(ExpertSkill, mine)
                .where(col(SkillAlias.alias).in_(aliases)))
    return union_all(by_name, by_alias)


async def _known_skills(uow: UnitOfWork, names: list[str], member_id: int) -> dict[str, KnownSkill]:
    """``resolve_skills`` as plain rows with what ``member_id`` holds of each, in one read
    (``read_rows``: before the command writes, outside its transaction and its SQLite write turn)
    while every name is known; a name never seen before takes ``resolve_skills``, which creates it
    (and nobody holds it yet)."""
    wanted = _normalised(names)
    if not wanted:
        return {}
    folded = sorted({fold(name) for name in wanted})
    params = ({f"n{i}": name for i, name in enumerate(wanted)} | {f"f{i}": f for i, f in enumerate(folded)}
              | {"member": member_id})
    rows = await read_rows(uow, _known_statement(len(wanted), len(folded)), params)
    curated = {alias: _known(row) for row in rows if (alias := row[2]) is not None}
    by_name = {row[1]: _known(row) for row in rows if row[2] is None}
    found: dict[str, KnownSkill] = {}
    for name in wanted:  # a curated alias wins over a skill of that very name, as in resolve_skills
        known = curated.get(fold(name)) or by_name.get(name)
        if known is not None:
            found[name] = known
    missing = [name for name in wanted if name not in found]
    if missing:
        for name, skill in (await resolve_skills(uow, missing)).items():
            assert skill.id is not None
            found[name] = KnownSkill(skill.id, skill.name)
    return found


def _known(row: Any) -> KnownSkill:
    """A row of ``_known_statement`` as a ``KnownSkill``."""
    skill_id, name, _alias, level, referent = row
    return KnownSkill(int(skill_id), name, (int(level), bool(referent)) if level is not None else None)


@cache
def _declare_statement(dialect: str) -> Any:
    """One skill declared in one statement: inserted (level asked, else ``DEFAULT_LEVEL``) or, when
    held already, re-levelled and made referent as asked; the member's row read as not erased under a
    share lock (the router's ``erased_at`` check, done here: ``core.directory.erased.vouch``). Returns
    the level and referent mark, or nothing when it changed nothing (or the member was erased)."""
    table = ExpertSkill.__table__  # type: ignore[attr-defined]
    member = bindparam("member", type_=Integer())
    asked = cast(bindparam("asked", type_=Integer()), Integer())
    referent = cast(bindparam("referent", type_=Boolean()), Boolean())
    rows = (select(cast(member, Integer()), cast(bindparam("skill", type_=Integer()), Integer()),  # type: ignore[call-overload]
                   func.coalesce(asked, DEFAULT_LEVEL), referent,
                   bindparam("now", type_=table.c.added_at.type))
            .select_from(Member).where(col(Member.id) == member, col(Member.erased_at).is_(None))
            .with_for_update(read=True, of=Member))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).from_select(["member_id", "skill_id", "level", "referent", "added_at"], rows)
    level = func.coalesce(asked, table.c.level)
    return (statement.on_conflict_do_update(
                index_elements=[table.c.member_id, table.c.skill_id],
                set_={"level": level, "referent": or_(table.c.referent, statement.excluded.referent)},
                where=or_(level != table.c.level, and_(statement.excluded.referent, ~table.c.referent)))
            .returning(table.c.level, table.c.referent).execution_options(**{ROWS_TOLD: True}))


async def _declare(uow: UnitOfWork, member_id: int, skill_id: int, level: int | None, referent: bool,
                   now: datetime, last: bool = False) -> tuple[int, bool]:
    """The member's level and referent mark for the skill once declared (``_declare_statement``);
    ``last``: the service writes nothing after it (``UnitOfWork.write``)."""
    params = {"member": member_id, "skill": skill_id, "asked": level, "referent": referent, "now": now}
    rows = await uow.write(_declare_statement(uow.dialect), params, last)
    if rows:
        found = rows[0]
        uow.wrote_rows([ExpertSkill(member_id=member_id, skill_id=skill_id, level=found[0],
                                    referent=bool(found[1]), added_at=now)], "changed")
        erased.vouch(uow, member_id)
        return int(found[0]), bool(found[1])
    # nothing changed (held already, as asked), or the member was erased meanwhile: the ORM says which
    row = await uow.session.get(ExpertSkill, (member_id, skill_id))
    if row is None:  # erased meanwhile: written, and the router refuses to save it
        row = ExpertSkill(member_id=member_id, skill_id=skill_id, level=level or DEFAULT_LEVEL,
                          referent=referent, added_at=now)
        uow.session.add(row)
    return row.level, row.referent


@cache
def _held_statement() -> Any:
    return (select(Skill.name, ExpertSkill.level, ExpertSkill.referent)
            .join(ExpertSkill, col(ExpertSkill.skill_id) == col(Skill.id))
            .where(col(ExpertSkill.member_id) == bindparam("member", type_=Integer()))
            .order_by(col(ExpertSkill.level).desc(), col(Skill.name)))


async def held_skills(uow: UnitOfWork, member_id: int) -> list[HeldSkill]:
    """The member's skills, best level first (``expert me``: plain rows, in one hop)."""
    rows = await read_rows(uow, _held_statement(), {"member": member_id})
    return [HeldSkill(name, level, bool(referent)) for name, level, referent in rows]


async def remove_skill(uow: UnitOfWork, member_id: int, name: str) -> str:
    """Remove one of the member's skills (by any of its names); returns its canonical name."""
    wanted = canonical(name)
    held = await held_skills(uow, member_id)
    match = next((h for h in held if h.name == wanted or fold(h.name) == fold(wanted)), None)
    if match is None:
        mine = ", ".join(h.name for h in held)
        raise NotFound("expert.not_held" if mine else "expert.no_skills_to_remove", skill=name, mine=mine)
    params = {"member": member_id, "name": match.name}
    rows = await uow.write(_remove_statement(), params, last=True)
    if rows:
        found = rows[0]
        uow.wrote_rows([ExpertSkill(member_id=member_id, skill_id=found[0])], "deleted")
        erased.vouch(uow, member_id)
        return match.name
    if await erased.erased_at(uow, member_id) is None:  # removed at the same moment elsewhere
        raise NotFound("expert.not_held", skill=name, mine=", ".join(h.name for h in held if h != match))
    # erased meanwhile: said written, so that the router finds them erased and saves nothing
    uow.wrote_rows([ExpertSkill(member_id=member_id, skill_id=0)], "deleted")
    return match.name


@cache
def _remove_statement() -> Any:
    """One held skill deleted by name, if its member is not erased: their row read under a share lock
    on PostgreSQL (the router's ``erased_at`` check, done here: ``core.directory.erased.vouch``)."""
    table = ExpertSkill.__table__  # type: ignore[attr-defined]
    member = bindparam("member", type_=Integer())
    skill = select(col(Skill.id)).where(col(Skill.name) == bindparam("name")).scalar_subquery()
    alive = (select(col(Member.id)).where(col(Member.id) == member, col(Member.erased_at).is_(None))
             .with_for_update(read=True).exists())
    return (delete(table).where(table.c.member_id == member, table.c.skill_id == skill, alive)
            .returning(table.c.skill_id).execution_options(**{ROWS_TOLD: True}))
