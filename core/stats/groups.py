"""Group growth and the most active groups: per live group the viewer may see, its members, who
joined during the period and who was active during it. Groups smaller than ``minimum`` are not
listed: "1 of 2 active" would be about a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, exists
from sqlmodel import col, func, select

from core.activity.models import ActivityWeek
from core.directory.models import Member
from core.groups.lookup import Viewer, visible
from core.groups.models import Group, GroupMember
from core.runtime.db import UnitOfWork
from core.stats.figures import GroupFigure

#: how many groups ``stats`` lists, the most active first
SHOWN = 5


async def growth(uow: UnitOfWork, viewer: Viewer, group_ids: tuple[int, ...] | None, first: datetime,
                 minimum: int, limit: int = SHOWN) -> list[GroupFigure]:
    """The ``limit`` most active groups (of ``group_ids``, else every group the viewer sees)."""
    # a probe of ``ix_activity_week_member`` per group member: cheaper than joining the period's distinct
    # active members, which the database would first collect and index on every call
    active = exists().where(col(ActivityWeek.member_id) == col(GroupMember.member_id),
                            col(ActivityWeek.week) >= first)
    statement = (
        select(Group, func.count(),
               func.coalesce(func.sum(case((col(GroupMember.joined_at) >= first, 1), else_=0)), 0),
               func.coalesce(func.sum(case((active, 1), else_=0)), 0))
        .join(GroupMember, col(GroupMember.group_id) == col(Group.id))
        .join(Member, col(Member.id) == col(GroupMember.member_id))
        .where(visible(viewer), col(Group.archived_at).is_(None), col(Member.erased_at).is_(None))
        .group_by(col(Group.id)))
    if group_ids is not None:
        statement = statement.where(col(Group.id).in_(group_ids))
    rows = [GroupFigure(group.slug, group.name, int(members), int(joined), int(n))
            for group, members, joined, n in (await uow.session.exec(statement)).all()
            if members >= minimum]
    rows.sort(key=lambda g: (-g.active, -g.members, g.slug))
    return rows[:limit]
