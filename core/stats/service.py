"""``gather``: every figure of one scope over the last ``weeks`` weeks, privacy rules applied.

The period is whole weeks, Monday to Sunday (UTC), the current one included, as ``parvis report
adoption`` counts them. A scope is the organisation or the groups a member belongs to; a scope of
fewer than ``minimum`` people gives no figure about people at all, and no figure by department, role
or group is about fewer than ``minimum`` people (``core.stats.privacy``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from core.access.rules import ADMIN
from core.activity.weeks import week_of
from core.groups.lookup import Viewer
from core.groups.models import GroupMember
from core.runtime.activity_log import activity_log
from core.runtime.db import UnitOfWork
from core.stats import activity, campaigns, experts, groups, pairing, privacy
from core.stats.activity import People
from core.stats.figures import Scope, Stats

MAX_WEEKS = 104


def period(now: datetime, weeks: int) -> tuple[datetime, datetime]:
    """The first Monday and the Monday after the last week of the ``weeks`` weeks ending with ``now``'s."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}")
    current = week_of(now)
    return current - timedelta(weeks=weeks - 1), current + timedelta(weeks=1)


def people_of(scope: Scope) -> People:
    """The member ids of the scope as a subquery, ``None`` for the whole organisation."""
    if scope.kind == "organisation":
        return None
    return select(GroupMember.member_id).where(GroupMember.group_id.in_(scope.groups))  # type: ignore[attr-defined]


async def gather(uow: UnitOfWork, scope: Scope, now: datetime, weeks: int, minimum: int, *,
                 member_id: int, roles: frozenset[str]) -> Stats:
    """The figures of ``scope`` as ``member_id`` (holding ``roles``) may see them: groups and
    campaigns only those the permission table lets them see. The activity events this process still
    holds (``core.runtime.activity_log``: every command's, written in batches) are written first, so
    the figures count the commands of a moment ago, the asker's own included."""
    if uow.database is not None:
        await activity_log(uow.database).flush()
    first, end = period(now, weeks)
    people = people_of(scope)
    # the departments partition the scope's members: their sums are its population (one scan, not two)
    by_department = await activity.departments(uow, people, first)
    total, active = sum(d.members for d in by_department), sum(d.active for d in by_department)
    withheld = total < minimum
    weekly = [] if withheld else await activity.weeks(uow, people, first, weeks)
    departments = () if withheld else privacy.departments(by_department, minimum)
    roles_shown, roles_hidden = ((), 0) if withheld else privacy.roles(
        await activity.roles(uow, people, first), minimum)
    viewer = Viewer(member_id, admin=ADMIN in roles)
    scoped = scope.groups if scope.kind == "groups" else None
    group_rows = [] if withheld else await groups.growth(uow, viewer, scoped, first, minimum)
    return Stats(scope=scope, start=first.date(), end=(end - timedelta(days=1)).date(), minimum=minimum,
                 population=total, active=0 if withheld else active, withheld=withheld,
                 weeks=tuple(weekly), departments=departments, roles=roles_shown, hidden_roles=roles_hidden,
                 groups=tuple(group_rows),
                 campaigns=tuple(await campaigns.participation(uow, member_id, roles, first, end, scoped)),
                 experts=await experts.figures(uow, people, first, end),
                 pairing=await pairing.figures(uow, scoped, first, end))
