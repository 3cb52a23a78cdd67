"""Who is in a group, as ``group info`` and ``group members`` show it: counts, owners, names and titles.

Why apart from ``core.groups.services``: these are the hot reads of two frequent commands, and a group
of a large organisation has hundreds of members. They select the few columns shown, as plain rows
(``core.runtime.sqlite_driver.read_rows``: one hop on SQLite, no ORM objects), with statements built
once; ``group info`` reads its counts and owners in a single statement instead of every member row.
Erased members are left out everywhere, as in ``core.groups.lookup``'s counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Integer, and_, bindparam
from sqlmodel import col, func, select

from core.directory.models import Member
from core.groups.lookup import live_members
from core.groups.models import Group, GroupChannel, GroupMember, is_owner
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import read_rows
from core.text import fold


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
def _members_statement() -> Any:
    return (select(col(Member.display_name), col(Member.title), col(GroupMember.role))
            .join(GroupMember, col(GroupMember.member_id) == col(Member.id))
            .where(col(GroupMember.group_id) == _group(), col(Member.erased_at).is_(None)))


async def members_of(uow: UnitOfWork, group: Group) -> list[Listed]:
    """The group's live members, owners first, then by name."""
    rows = await read_rows(uow, _members_statement(), {"group": group.id})
    rows.sort(key=lambda row: (row[2] != "owner", fold(row[0])))
    return [Listed(name, title or "", role) for name, title, role in rows]
