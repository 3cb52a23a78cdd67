"""A pilot rollout: who may use Parvis while ``[rollout] mode = "pilot"``.

In pilot mode only the members of ``pilot_groups`` (and admins, who must be able to prepare the
launch) may use Parvis; everyone else is told once that it is not open to them yet, then hears
nothing (``core.governance.gate``). Membership is read in the command's own transaction, so someone
added to a pilot group may use Parvis with their very next command.

The configuration names the pilot groups by slug (as ``group info`` shows it); a name that is no
group's is refused when the process starts (``unknown_groups``), not discovered by members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlmodel import col, select

from core.groups.models import Group, GroupMember
from core.runtime.db import Database, UnitOfWork


async def in_pilot(uow: UnitOfWork, member_id: int, slugs: Sequence[str]) -> bool:
    """Whether the member belongs to one of the groups ``slugs`` name."""
    statement = (select(GroupMember.group_id).join(Group, col(Group.id) == col(GroupMember.group_id))
                 .where(GroupMember.member_id == member_id, col(Group.slug).in_(list(slugs))).limit(1))
    return (await uow.session.exec(statement)).first() is not None


@dataclass(frozen=True)
class Unknown:
    """A configured pilot group that does not exist, and the nearest slug that does (if any)."""

    slug: str
    suggestion: str | None


async def unknown_groups(db: Database, slugs: Sequence[str]) -> list[Unknown]:
    """The configured pilot slugs that name no group, each with the closest existing slug."""
    if not slugs:
        return []
    async with db.uow() as uow:
        known = list((await uow.session.exec(select(Group.slug))).all())
    found = set(known)
    return [Unknown(slug, best[0] if (best := process.extractOne(slug, known, scorer=fuzz.WRatio,
                                                                  score_cutoff=70)) else None)
            for slug in slugs if slug not in found]
