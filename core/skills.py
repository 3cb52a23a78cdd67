"""Skills: one canonical row per skill, and the skills members declare.

The directory import and ``expert add`` both come through ``add_expert_skills``, so a skill typed as
``Kubernetes`` in a CSV and ``kubernetes`` in a chat is one row. Names are stored normalised (trimmed,
inner white space collapsed, lower-cased); a name that is a known alias (``SkillAlias``, e.g. ``k8s``)
resolves to the skill it stands for instead of creating a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
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


async def find_or_create_skills(uow: UnitOfWork, names: Iterable[str]) -> list[Skill]:
    """The skills ``names`` stand for (aliases followed), created when unknown; order kept, no duplicates."""
    wanted = list(dict.fromkeys(n for n in (normalise_skill(name) for name in names) if n))
    if not wanted:
        return []
    aliases = dict((await uow.session.exec(
        select(SkillAlias.alias, SkillAlias.skill_id).where(col(SkillAlias.alias).in_(wanted))
    )).all())
    by_name = {skill.name: skill for skill in (await uow.session.exec(
        select(Skill).where(col(Skill.name).in_(wanted))
    )).all()}
    by_id = {skill.id: skill for skill in (await uow.session.exec(
        select(Skill).where(col(Skill.id).in_(list(aliases.values())))
    )).all()} if aliases else {}
    found: dict[int, Skill] = {}
    for name in wanted:
        skill = by_id.get(aliases[name]) if name in aliases else by_name.get(name)
        if skill is None:
            skill = Skill(name=name, created_at=utcnow())
            uow.session.add(skill)
            await uow.session.flush()
            by_name[name] = skill
        assert skill.id is not None
        found.setdefault(skill.id, skill)
    return list(found.values())


async def add_expert_skills(
    uow: UnitOfWork, member_id: int, names: Iterable[str], level: int = DEFAULT_LEVEL,
    now: datetime | None = None,
) -> int:
    """Declare that the member knows ``names``; returns how many skills were new for them.

    Idempotent: a skill the member already has keeps its level (a level chosen by the member is not
    overwritten by a bulk import).
    """
    skills = await find_or_create_skills(uow, names)
    if not skills:
        return 0
    held = set((await uow.session.exec(
        select(ExpertSkill.skill_id).where(ExpertSkill.member_id == member_id,
                                           col(ExpertSkill.skill_id).in_([s.id for s in skills]))
    )).all())
    added = 0
    for skill in skills:
        assert skill.id is not None
        if skill.id not in held:
            uow.session.add(ExpertSkill(member_id=member_id, skill_id=skill.id, level=level,
                                        added_at=now or utcnow()))
            added += 1
    return added
