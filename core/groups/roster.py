"""Who is in a group, as ``group info`` and ``group members`` show it: counts, owners, names and titles.

Why apart from ``core.groups.services``: these are the hot reads of two frequent commands, and a group
of a large organisation has hundreds of members. They select the few columns shown, as plain rows
(``core.runtime.sqlite_driver.read_rows``: one hop on SQLite, no ORM objects), with statements built
once; ``group info`` reads its counts and owners in a single statement instead of every member row,
and ``group members`` its count and the one page it shows, in name order from an index.
Erased members are left out everywhere, as in ``core.groups.lookup``'s counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, and_, bindparam, literal_column, union_all
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from core.directory.models import Member
from core.groups import lookup
from core.groups.lookup import Viewer, live_members
from core.groups.models import Group, GroupChannel, GroupMember, is_not_owner, is_owner
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import model_columns, read_rows, untracked
from core.text import fold, slugify


@dataclass(frozen=True)
class Facts:
    """What ``group info`` says of who is in a group."""

    members: int
    owners: list[str]  # by name
    channels: int


class Listed(NamedTuple):
    """One member as ``group members`` shows them (a tuple: a group has hundreds)."""

    name: str
    title: str
    role: str


def _group() -> Any:
    return bindparam("group", type_=Integer())


@lru_cache(maxsize=1)
def _facts_statement() -> Any:
    """One row per live owner (one row with no name when there is none), each with the counts."""
    channels = (select(func.count()).select_from(GroupChannel)
                .where(col(GroupChannel.group_id) == _group()).scalar_subquery())
    owner = and_(col(GroupMember.group_id) == col(Group.id), is_owner())
    live = and_(col(Member.id) == col(GroupMember.member_id), col(Member.erased_at).is_(None))
    return (select(live_members(_group()), channels, col(Member.display_name))
            .select_from(Group).outerjoin(GroupMember, owner).outerjoin(Member, live)
            .where(col(Group.id) == _group()))


async def facts(uow: UnitOfWork, group: Group) -> Facts:
    rows = await read_rows(uow, _facts_statement(), {"group": group.id})
    owners = sorted((name for _, _, name in rows if name is not None), key=fold)
    members, channels = (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)
    return Facts(members, owners, channels)


@lru_cache(maxsize=1)
def _shown_facts_statement() -> Any:
    """``lookup.shown``'s read by slug and ``_facts_statement`` in one: the group's columns, the
    viewer's membership's (all NULL without one), the live members and channels counted, and a live
    owner's name — one row per owner (one with no name when there is none). The memberships and the
    owners' member rows are aliases, so that the counts' subqueries stay on the group alone."""
    mine, owner, person = aliased(GroupMember, name="mine"), aliased(GroupMember, name="owned"), \
        aliased(Member, name="owner_member")
    channels = (select(func.count()).select_from(GroupChannel)
                .where(col(GroupChannel.group_id) == col(Group.id)).scalar_subquery())
    mine_columns = [getattr(mine, column.name) for column in model_columns(GroupMember)]
    return (select(*model_columns(Group), *mine_columns, live_members(col(Group.id)), channels,  # type: ignore[call-overload]
                   col(person.display_name))
            .select_from(Group)
            .outerjoin(mine, and_(col(mine.group_id) == col(Group.id),
                                  col(mine.member_id) == bindparam("viewer", type_=Integer())))
            .outerjoin(owner, and_(col(owner.group_id) == col(Group.id),
                                   col(owner.role) == literal_column("'owner'")))
            .outerjoin(person, and_(col(person.id) == col(owner.member_id), col(person.erased_at).is_(None)))
            .where(col(Group.slug) == bindparam("slug", type_=String())))


async def shown_with_facts(uow: UnitOfWork, viewer: Viewer, reference: str) -> tuple[Group, Facts]:
    """``lookup.shown`` and ``facts`` (``group info``): for a reference that is a slug, one read;
    otherwise (a name to match, a group the viewer may not see) the two reads as before, with the
    same answers and refusals."""
    slug = slugify(reference)
    rows = await read_rows(uow, _shown_facts_statement(), {"slug": slug, "viewer": viewer.member_id}) \
        if slug else []
    if rows:
        width, mine_width = len(model_columns(Group)), len(model_columns(GroupMember))
        group = untracked(Group, rows[0][:width])
        mine = rows[0][width:width + mine_width]
        lookup.remember_membership(uow, group.id, viewer.member_id,
                                   untracked(GroupMember, mine) if mine[0] is not None else None)
        if await lookup.can_see(uow, group, viewer):
            owners = sorted((row[-1] for row in rows if row[-1] is not None), key=fold)
            return group, Facts(int(rows[0][-3]), owners, int(rows[0][-2]))
    group = await lookup.shown(uow, viewer, reference)
    return group, await facts(uow, group)


class Page(NamedTuple):
    """The first members of a group as ``group members`` shows them, and how many there are."""

    total: int
    rows: list[Listed]


def _part(rank: int, whose: Any, limit: Any) -> Any:
    """The group's first ``limit`` live owners (``is_owner``) or others in name order, ranked."""
    rank_column: Any = literal_column(str(rank)).label("rank")
    return (select(rank_column, col(GroupMember.name_key), col(GroupMember.member_id),  # type: ignore[call-overload]
                   col(Member.display_name), col(Member.title), col(GroupMember.role))
            .select_from(GroupMember).join(Member, col(Member.id) == col(GroupMember.member_id))
            .where(col(GroupMember.group_id) == _group(), whose, col(Member.erased_at).is_(None))
            .order_by(col(GroupMember.name_key), col(GroupMember.member_id)).limit(limit).subquery())


@lru_cache(maxsize=1)
def page_statement() -> Any:
    """The live members counted, and the first ``limit`` of them: owners first, then by name
    (``GroupMember.name_key``, then member id).

    Why in two parts: each is read in that order from an index — the few owners from
    ``ix_group_member_owners``, the others from ``ix_group_member_names`` — and stops at ``limit``, so
    the statement reads about ``limit`` memberships and member rows whatever the group's size
    (reading them all and sorting in Python took 2 ms for 1,500 members on SQLite, and a hash of the
    whole member table on PostgreSQL). Erased members are skipped and not counted."""
    limit = bindparam("limit", type_=Integer())
    both = union_all(select(_part(0, is_owner(), limit)), select(_part(1, is_not_owner(), limit))).subquery()
    return (select(live_members(_group()), both.c.display_name, both.c.title, both.c.role)
            .order_by(both.c.rank, both.c.name_key, both.c.member_id).limit(limit))


async def page(uow: UnitOfWork, group: Group, limit: int) -> Page:
    """The group's live members counted, and the first ``limit`` of them, owners first, then by
    folded name (``core.text.sort_key``)."""
    rows = await read_rows(uow, page_statement(), {"group": group.id, "limit": limit})
    total = int(rows[0][0]) if rows else 0
    return Page(total, [Listed(name, title or "", role) for _, name, title, role in rows])
