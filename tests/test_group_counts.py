"""The per-process member counts of ``group list`` (``core.groups.counts``): a member sees their own
join or leave at once, erasures and bulk writes are recounted, other processes' changes within the
time to live, and a count read while a join committed is never kept."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import insert
from sqlmodel import select

from core.commands.router import CommandRouter
from core.directory.members import find_by_email
from core.groups.counts import member_counts
from core.registry import Registry
from core.runtime.db import Database
from core.schema import Group, GroupMember
from core.services import Services
from tests.campaign_support import set_member
from tests.conftest import Chat

ANA, BOB, CLO, DAN = "ana@example.com", "bob@example.com", "clo@example.com", "dan@example.com"


def count_of(text: str, name: str) -> str:
    """"1 member" from the list's line of the group ``name``."""
    line = next(line for line in text.splitlines() if name in line)
    return re.search(r"\d+ members?", line).group()  # type: ignore[union-attr]


async def listed(chat, who: str, name: str = "Data Science") -> str:  # type: ignore[no-untyped-def]
    reply = await chat(who).say(f"group list {name.split()[0].lower()}")
    assert not reply.error, reply.text
    return count_of(reply.text, name)


async def known(chat) -> None:  # type: ignore[no-untyped-def]
    """Everyone's first command (which writes their member row, and so recounts) done."""
    for who in (ANA, BOB, CLO, DAN):
        await chat(who).say("help")


async def test_own_joins_and_leaves_show_at_once_from_the_kept_counts(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    await known(chat)
    await chat(ANA).say("group create Data Science")
    assert await listed(chat, ANA) == "1 member"
    counts = member_counts(db)
    read = counts.misses
    await chat(BOB).say("group join data-science")
    assert await listed(chat, CLO) == "2 members"      # adjusted by Bob's commit, not read again
    await chat(CLO).say("group join data-science")
    await chat(BOB).say("group leave data-science")
    assert await listed(chat, DAN) == "2 members"
    assert counts.misses == read
    await chat(ANA).say("group create Coffee Lovers")  # a group made here: counted from its owner
    assert await listed(chat, BOB, "Coffee Lovers") == "1 member"
    assert counts.misses == read


async def test_erased_members_and_bulk_writes_are_counted_again(chat, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    await chat(ANA).say("group create Data Science")
    for who in (BOB, CLO):
        await chat(who).say("group join data-science")
    assert await listed(chat, DAN) == "3 members"
    await set_member(db, CLO, erased_at=clock.now())
    assert await listed(chat, ANA) == "2 members"
    async with db.uow() as uow:
        group = (await uow.session.exec(select(Group))).one()
        dan = await find_by_email(uow, DAN)
        assert dan is not None and group.id is not None
        await uow.session.exec(insert(GroupMember).values(  # type: ignore[call-overload]
            group_id=group.id, member_id=dan.id, role="member", name_key=dan.name_key, joined_at=clock.now()))
        await uow.commit()
    assert await listed(chat, BOB) == "3 members"


async def test_other_processes_are_seen_within_the_time_to_live(chat, db: Database, services: Services,
                                                                registry: Registry) -> None:  # type: ignore[no-untyped-def]
    await known(chat)
    await chat(ANA).say("group create Data Science")
    assert await listed(chat, ANA) == "1 member"
    other = Database(db.url)  # a second process on the same database
    try:
        elsewhere = Chat(CommandRouter(Services(db=other, renderers=services.renderers, clock=services.clock,
                                                settings=services.settings), registry), BOB)
        assert not (await elsewhere.say("group join data-science")).error
    finally:
        await other.dispose()
    assert await listed(chat, CLO) == "1 member"        # kept: not seen yet
    member_counts(db).ttl = 0.0
    assert await listed(chat, DAN) == "2 members"


async def test_a_count_read_while_a_join_committed_is_not_kept(db: Database) -> None:
    counts = member_counts(db)
    counts.put({1: 3}, counts.generation)
    assert counts.get() == {1: 3}
    started = counts.generation                       # a read begins…
    await asyncio.sleep(0)
    counts.written(_joined(1))                        # …a join commits meanwhile…
    assert counts.get() == {1: 4}
    counts.put({1: 3}, started)                       # …and the read ends: refused
    assert counts.get() == {1: 4}


def _joined(group_id: int):  # type: ignore[no-untyped-def]
    from core.runtime.db import Written

    row = GroupMember(group_id=group_id, member_id=99, role="member")
    return Written(objects=[row], created=[row])
