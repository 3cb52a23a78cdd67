"""Who was active, from the weekly roll-up (``core.activity.models.ActivityWeek``): per week, per
platform, per department and per role, for the people of a scope.

Each function is one SQL aggregate whatever the period: weekly counts read one range of the roll-up's
primary key (week first), "active during the period" is a probe of ``ix_activity_week_member`` per
member.

Erased members (``core.privacy.erasure``): their past activity still counts in the weekly figures —
active members, per platform, and the directory's size in the weeks before their erasure — so that
erasing someone leaves the history true. Being nobody any more, they count in no figure of the
directory as it is now (its size, who was active during the period), nor by department or role.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, or_
from sqlmodel import col, func, select

from core.activity.models import ActivityWeek
from core.directory.models import Member, MemberRole
from core.runtime.db import UnitOfWork
from core.stats.figures import Share, Week

#: the subquery of the scope's member ids, or ``None`` for everyone
People = Any


def _counted(people: People) -> list[ColumnElement[bool]]:
    """The roll-up's rows that count: those of the scope (erased members' included: their history)."""
    return [col(ActivityWeek.member_id).in_(people)] if people is not None else []


def _members(people: People, *, erased: bool = False) -> list[ColumnElement[bool]]:
    """The members of the scope; those erased only with ``erased`` (for the weeks before erasure)."""
    where: list[ColumnElement[bool]] = [] if erased else [col(Member.erased_at).is_(None)]
    if people is not None:
        where.append(col(Member.id).in_(people))
    return where


def _there(start: datetime) -> ColumnElement[bool]:
    """Whether the member of the enclosing ``Member`` row was in the directory during the week ``start``:
    created before its end, not erased before it began."""
    return and_(col(Member.created_at) < start + timedelta(weeks=1),
                or_(col(Member.erased_at).is_(None), col(Member.erased_at) >= start))


def active_since(first: datetime) -> Any:
    """Whether the member of the enclosing ``Member`` row was active since the week ``first``."""
    return exists().where(col(ActivityWeek.member_id) == col(Member.id), col(ActivityWeek.week) >= first)


async def weeks(uow: UnitOfWork, people: People, first: datetime, count: int) -> list[Week]:
    """``count`` weeks from the Monday ``first``: active members, the scope's size, per platform."""
    starts = [first + timedelta(weeks=n) for n in range(count)]
    in_period = (col(ActivityWeek.week) >= first, col(ActivityWeek.week) < starts[-1] + timedelta(weeks=1),
                 *_counted(people))
    active = dict((await uow.session.exec(
        select(ActivityWeek.week, func.count(distinct(col(ActivityWeek.member_id))))
        .where(*in_period).group_by(col(ActivityWeek.week)))).all())
    platforms: dict[datetime, list[tuple[str, int]]] = {}
    for week, platform, n in (await uow.session.exec(
            select(ActivityWeek.week, ActivityWeek.platform, func.count())
            .where(*in_period).group_by(col(ActivityWeek.week), col(ActivityWeek.platform))
            .order_by(col(ActivityWeek.platform)))).all():
        platforms.setdefault(week, []).append((platform or "?", int(n)))
    found: Any = (await uow.session.exec(select(func.count(), *[  # count(): a row even for one week
        func.coalesce(func.sum(case((_there(start), 1), else_=0)), 0)
        for start in starts]).where(*_members(people, erased=True)))).one()
    sizes = list(found)[1:]
    return [Week(start=start.date(), active=int(active.get(start, 0)), population=int(size),
                 by_platform=tuple(platforms.get(start, ())))
            for start, size in zip(starts, sizes, strict=True)]


async def population(uow: UnitOfWork, people: People, first: datetime) -> tuple[int, int]:
    """The scope's members now, and how many of them were active since ``first``."""
    total, active = (await uow.session.exec(select(
        func.count(), func.coalesce(func.sum(case((active_since(first), 1), else_=0)), 0))
        .select_from(Member).where(*_members(people)))).one()
    return int(total), int(active)


async def departments(uow: UnitOfWork, people: People, first: datetime) -> list[Share]:
    """Per department (as the directory says it; empty for none): members, and active since ``first``."""
    rows = (await uow.session.exec(select(
        Member.department, func.count(), func.coalesce(func.sum(case((active_since(first), 1), else_=0)), 0))
        .where(*_members(people)).group_by(col(Member.department)))).all()
    return [Share(department, int(members), int(active)) for department, members, active in rows]


async def roles(uow: UnitOfWork, people: People, first: datetime) -> list[Share]:
    """Per role held (``member`` is everyone's and not listed): holders, and active since ``first``."""
    rows = (await uow.session.exec(select(
        MemberRole.role, func.count(), func.coalesce(func.sum(case((active_since(first), 1), else_=0)), 0))
        .join(Member, col(Member.id) == col(MemberRole.member_id))
        .where(*_members(people)).group_by(col(MemberRole.role)).order_by(col(MemberRole.role)))).all()
    return [Share(role, int(members), int(active)) for role, members, active in rows]
