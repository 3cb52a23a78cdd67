"""Who takes a question after the experts: the referents, then the admins' fallback contacts.

Referents of one of the question's skills come first, then anyone with the ``referent`` role, then
the people ``[experts] fallback`` names, in its order. Nobody who already held the question, nobody
away (``expert away``, until its date) and nobody who cannot be messaged (no identity on any
platform) is chosen: an away referent never receives an escalation, and a referent who passes hands
over to the next one rather than to someone who will not see it.

When nobody is left, ``why_nobody`` says why in words the asker can trust: there is no referent at
all, every referent already had the question (perhaps as an expert, earlier), or those not asked yet
are away or cannot be reached.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, case, exists
from sqlmodel import col, func, or_, select

from core.directory.models import ExpertSkill, ExpertStatus, Identity, Member, MemberRole
from core.directory.search import writer_rows
from core.runtime.db import UnitOfWork

#: why nobody could take a question: a catalog key of ``[question.handoff]`` each
NO_REFERENT, ALL_TRIED, OTHERS_AWAY = "why_none", "why_tried", "why_away"


async def reachable(uow: UnitOfWork, member_ids: list[int]) -> set[int]:
    """Those of ``member_ids`` who have an identity on some platform, so a direct message can reach them."""
    if not member_ids:
        return set()
    return set((await uow.session.exec(select(Identity.member_id).where(
        col(Identity.member_id).in_(member_ids)))).all())


async def away(uow: UnitOfWork, member_ids: list[int], now: datetime) -> set[int]:
    """Those of ``member_ids`` who are away now (``expert away``, with no date or a date to come)."""
    if not member_ids:
        return set()
    statement = select(ExpertStatus.member_id).where(
        col(ExpertStatus.member_id).in_(member_ids), col(ExpertStatus.away),
        or_(col(ExpertStatus.away_until).is_(None), col(ExpertStatus.away_until) > now))
    return set((await uow.session.exec(statement)).all())


async def _first_free(uow: UnitOfWork, candidates: list[int], exclude: set[int], now: datetime) -> int | None:
    """The first of ``candidates`` not excluded, reachable, and not away."""
    found = [m for m in dict.fromkeys(candidates) if m not in exclude]
    reached = await reachable(uow, found)
    gone = await away(uow, found, now)
    return next((m for m in found if m in reached and m not in gone), None)


async def referents(uow: UnitOfWork, skill_ids: list[int]) -> list[list[int]]:
    """The live referents, in the order they are tried: those of the skills, then every referent."""
    live = col(Member.erased_at).is_(None)
    by_skill = (select(ExpertSkill.member_id).join(Member, col(Member.id) == col(ExpertSkill.member_id))
                .where(col(ExpertSkill.skill_id).in_(skill_ids), col(ExpertSkill.referent), live))
    by_role = (select(MemberRole.member_id).join(Member, col(Member.id) == col(MemberRole.member_id))
               .where(MemberRole.role == "referent", live))
    return [list((await uow.session.exec(statement.order_by(col(Member.id)))).all())
            for statement in (by_skill, by_role)]


async def fallbacks(uow: UnitOfWork, emails: tuple[str, ...]) -> list[int]:
    """The live members ``[experts] fallback`` names, in its order (unknown addresses left out)."""
    if not emails:
        return []
    wanted = [email.strip().lower() for email in emails]
    rows = (await uow.session.exec(select(Member.id, Member.email).where(
        func.lower(Member.email).in_(wanted), col(Member.erased_at).is_(None)))).all()
    ids: dict[str, int] = {str(email).lower(): member for member, email in rows if member is not None}
    return [ids[email] for email in wanted if email in ids]


@lru_cache(maxsize=1)
def _free_referent_statement() -> Any:
    """The first free referent: live, not left out, reachable, not away; a referent of one of the
    skills (by id) before any member with the referent role (by id) — in one statement, with the name
    and time zone the assignment needs."""
    member = col(Member.id)
    by_skill = select(ExpertSkill.member_id).where(
        col(ExpertSkill.skill_id).in_(bindparam("skills", expanding=True)), col(ExpertSkill.referent))
    by_role = select(MemberRole.member_id).where(MemberRole.role == "referent")
    reached = select(Identity.member_id).where(col(Identity.member_id) == member)
    gone = select(ExpertStatus.member_id).where(
        col(ExpertStatus.member_id) == member, col(ExpertStatus.away),
        or_(col(ExpertStatus.away_until).is_(None), col(ExpertStatus.away_until) > bindparam("now")))
    return (select(member, col(Member.display_name), col(Member.timezone))
            .where(col(Member.erased_at).is_(None), or_(member.in_(by_skill), member.in_(by_role)),
                   member.not_in(bindparam("exclude", expanding=True)), exists(reached), ~exists(gone))
            .order_by(case((member.in_(by_skill), 0), else_=1), member).limit(1))


async def find_referent(uow: UnitOfWork, skill_ids: list[int], exclude: set[int],
                        now: datetime) -> tuple[int, str, str] | None:
    """A free referent of one of the skills, else any free member with the referent role: their id,
    name and time zone (one read, where a referent's tier took a read of candidates, then of who is
    reachable and who is away)."""
    rows = await writer_rows(uow, _free_referent_statement(),
                             {"skills": sorted(skill_ids), "exclude": sorted(exclude), "now": now})
    return (int(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None


async def find_fallback(uow: UnitOfWork, emails: tuple[str, ...], exclude: set[int],
                        now: datetime) -> int | None:
    """The first free fallback contact, in the configured order."""
    return await _first_free(uow, await fallbacks(uow, emails), exclude, now)


async def why_nobody(uow: UnitOfWork, skill_ids: list[int], tried: set[int], asker: int | None) -> str:
    """Why no referent could take the question: none exists, all were asked, or the rest are away."""
    everyone = {m for group in await referents(uow, skill_ids) for m in group if m != asker}
    if not everyone:
        return NO_REFERENT
    return ALL_TRIED if everyone <= tried else OTHERS_AWAY
