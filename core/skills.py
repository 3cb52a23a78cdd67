"""Skills: one canonical row per skill, and the skills members declare.

The directory import and ``expert add`` both come through ``add_expert_skills``, so a skill typed as
``Kubernetes`` in a CSV and ``kubernetes`` in a chat is one row. Names are stored normalised (trimmed,
inner white space collapsed, lower-cased); a name that is a known alias (``SkillAlias``, e.g. ``k8s``)
resolves to the skill it stands for instead of creating a second one. Lookups are done per set of
names, so importing thousands of people costs a few queries per batch, not per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import col, select

from core.db import UnitOfWork
from core.models import ExpertSkill, Skill, SkillAlias
from core.models.base import utcnow

MAX_SKILL_NAME = 100
DEFAULT_LEVEL = 2


def normalise_skill(name: str) -> str:
    """``"  Machine   Learning "`` → ``"machine learning"``: the form skills and aliases are stored in."""
    return " ".join(name.split()).lower()


def _normalised(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(n for n in (normalise_skill(name) for name in names) if n))


async def resolve_skills(uow: UnitOfWork, names: Iterable[str]) -> dict[str, Skill]:
    """Normalised name → its skill (aliases followed), creating the unknown ones."""
    wanted = _normalised(names)
    if not wanted:
        return {}
    aliases = dict((await uow.session.exec(
        select(SkillAlias.alias, SkillAlias.skill_id).where(col(SkillAlias.alias).in_(wanted))
    )).all())
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
    now: datetime | None = None,
) -> dict[int, int]:
    """``add_expert_skills`` for many members at once; returns member id → skills new to them."""
    names = {member_id: _normalised(skills) for member_id, skills in wanted.items()}
    skills = await resolve_skills(uow, (name for listed in names.values() for name in listed))
    added = {member_id: 0 for member_id in names}
    if not skills:
        return added
    # By member only (the primary key's prefix): filtering on skill_id too lets PostgreSQL pick the
    # skill index, which scans every holder of a common skill.
    held = set((await uow.session.exec(select(ExpertSkill.member_id, ExpertSkill.skill_id).where(
        col(ExpertSkill.member_id).in_(list(names))))).all())
    for member_id, listed in names.items():
        for name in listed:
            skill_id = skills[name].id
            assert skill_id is not None
            if (member_id, skill_id) not in held:
                held.add((member_id, skill_id))
                uow.session.add(ExpertSkill(member_id=member_id, skill_id=skill_id, level=level,
                                            added_at=now or utcnow()))
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
