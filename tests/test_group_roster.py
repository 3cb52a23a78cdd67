"""``group members`` on a big group: owners first, then by folded name (lower case, accents removed),
only the first ``MEMBERS_LIMIT`` read and shown, the rest counted; the sort key kept in step with the
name wherever a name or a membership is written, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.directory.importer import import_directory
from core.groups import roster
from core.groups.commands import MEMBERS_LIMIT
from core.ports import FakeClock
from core.privacy.erasure import erase
from core.runtime.db import Database
from core.schema import Group, GroupMember, Member
from core.text import fold, sort_key
from tests.campaign_support import ok, set_member
from tests.conftest import TEST_SETTINGS

HEADER = "email,name,title,department,location,timezone,locale,skills,roles\n"
#: names whose folded order differs from their raw order: accents, case, letters that do not decompose
TRICKY = ["Élodie Martin", "elodie Arnaud", "ELODIE Zed", "Émile Roux", "emile roux", "Zoé Zola",
          "zack Young", "Ödön Horváth", "oscar Wilde", "Ana López", "ana Lopez", "Łukasz Nowak",
          "Ñandú Pérez", "Ångström Ås", "Straße Weiß", "strasse weiss", "Ça Va", "cyril Cohen",
          "Ève Durand", "eve durand", "Ýr Ýmis", "Zz Top", "aaron Able", "O'Brien Sean", "obrien sean"]
FILLER = [f"{['member', 'Member', 'MEMBER', 'Mémber'][n % 4]} {n:02d}" for n in range(50)]
NAMES = TRICKY + FILLER
OWNERS = ("Zoé Zola", "ana Lopez", "Ýr Ýmis")  # one sorts last by name, yet is listed first


def email(n: int) -> str:
    return f"person{n}@example.com"


def csv_of(names: dict[int, str]) -> str:
    return HEADER + "".join(f"{email(n)},{name},Title {n},,,,,,\n" for n, name in names.items())


async def ids_by_email(db: Database) -> dict[str, int]:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Member.email, Member.id))).all()
    return {mail: member_id for mail, member_id in rows if mail is not None and member_id is not None}


async def big_group(chat: Any, db: Database, names: list[str] = NAMES) -> tuple[int, dict[str, int]]:
    """A group of everyone in ``names`` (imported), its first person its creator; half the others join
    by the command (one INSERT … SELECT), half are put in by the ORM (as the benchmark's history is);
    ``OWNERS`` made owners. Returns the group's id and each person's member id by name."""
    await import_directory(db, io.StringIO(csv_of(dict(enumerate(names))), newline=""), clock=FakeClock())
    await ok(chat(email(0)), "group create Big Group")
    for n in range(1, len(names), 2):
        await ok(chat(email(n)), "group join big group")
    ids = await ids_by_email(db)
    async with db.uow() as uow:
        group = (await uow.session.exec(select(Group).where(Group.slug == "big-group"))).one()
        assert group.id is not None
        uow.session.add_all([GroupMember(group_id=group.id, member_id=ids[email(n)])
                             for n in range(2, len(names), 2)])
        await uow.commit()
    by_name = {name: ids[email(n)] for n, name in enumerate(names)}
    await make_owners(db, group.id, [by_name[name] for name in OWNERS if name in by_name])
    return group.id, by_name


async def make_owners(db: Database, group_id: int, member_ids: list[int]) -> None:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(GroupMember).where(
            GroupMember.group_id == group_id, col(GroupMember.member_id).in_(member_ids)))).all()
        for row in rows:
            row.role = "owner"
            uow.session.add(row)
        await uow.commit()


def expected(people: dict[str, int], owners: set[str]) -> list[str]:
    """What the handler showed before it read only a page: every member sorted in Python by (not an
    owner, folded name), ties in member order."""
    return sorted(people, key=lambda name: (name not in owners, fold(name), people[name]))


def shown(reply_text: str) -> list[str]:
    """The names listed, in order (a line is ``• name — title (owner)``)."""
    return [line[2:].split(" — ")[0] for line in reply_text.splitlines() if line.startswith("• ")]


async def test_owners_first_then_folded_names_across_the_limit(chat, db) -> None:  # type: ignore[no-untyped-def]
    _, people = await big_group(chat, db)
    owners = {*OWNERS, NAMES[0]}
    reply = await ok(chat(email(1)), "group members big group")
    order = expected(people, owners)
    assert len(people) > MEMBERS_LIMIT + 20
    assert shown(reply.text) == order[:MEMBERS_LIMIT]
    owner_lines = [line for line in reply.text.splitlines() if line.endswith("(owner)")]
    assert len(owner_lines) == len(owners) and reply.text.splitlines()[:len(owners)] == owner_lines
    assert f"{len(people) - MEMBERS_LIMIT} more" in reply.text.splitlines()[-1]
    assert reply.title is not None and f"({len(people)})" in reply.title


async def test_more_owners_than_the_page(chat, db) -> None:  # type: ignore[no-untyped-def]
    group_id, people = await big_group(chat, db)
    owners = set(list(people)[5:65])
    await make_owners(db, group_id, [people[name] for name in owners])
    owners |= {*OWNERS, NAMES[0]}
    reply = await ok(chat(email(3)), "group members big group")
    lines = reply.text.splitlines()
    assert shown(reply.text) == expected(people, owners)[:MEMBERS_LIMIT]
    assert all(line.endswith("(owner)") for line in lines[:MEMBERS_LIMIT])


async def test_erased_members_are_neither_shown_nor_counted(chat, db, clock) -> None:  # type: ignore[no-untyped-def]
    """One erased by the privacy erasure (memberships deleted), one only marked erased (its memberships
    left behind, as before a purge): both sort first by name, neither is listed nor counted."""
    names = [*NAMES, "Aaa First", "Aab Second"]
    _, people = await big_group(chat, db, names)
    async with db.uow() as uow:
        await erase(uow, people["Aaa First"], clock.now(), secrets=TEST_SETTINGS.security.keys)
        await uow.commit()
    await set_member(db, email(len(names) - 1), erased_at=clock.now())
    reply = await ok(chat(email(1)), "group members big group")
    live = {name: member_id for name, member_id in people.items() if not name.startswith("Aa")}
    assert shown(reply.text) == expected(live, {*OWNERS, names[0]})[:MEMBERS_LIMIT]
    assert reply.title is not None and f"({len(live)})" in reply.title
    assert f"{len(live) - MEMBERS_LIMIT} more" in reply.text


async def test_a_renamed_member_is_sorted_by_the_new_name(chat, db) -> None:  # type: ignore[no-untyped-def]
    """Renamed by a directory import (the importer's rows) and by a profile write (the ORM): the
    member moves to where the new name sorts, in every group they belong to."""
    _, people = await big_group(chat, db)
    last = expected(people, set())[-1]
    assert last not in shown((await ok(chat(email(1)), "group members big group")).text)
    n = NAMES.index(last)
    await import_directory(db, io.StringIO(csv_of({n: "Ábel Early"}), newline=""), clock=FakeClock())
    reply = await ok(chat(email(1)), "group members big group")
    people["Ábel Early"] = people.pop(last)
    owners = {*OWNERS, NAMES[0]}
    assert shown(reply.text) == expected(people, owners)[:MEMBERS_LIMIT]
    assert "Ábel Early" in shown(reply.text)

    await set_member(db, email(n), display_name="zzz Late")
    people["zzz Late"] = people.pop("Ábel Early")
    reply = await ok(chat(email(1)), "group members big group")
    assert shown(reply.text) == expected(people, owners)[:MEMBERS_LIMIT]
    assert await keys_of(db, people["zzz Late"]) == {sort_key("zzz Late")}


async def keys_of(db: Database, member_id: int) -> set[str]:
    """The member's own sort key and every one of their memberships' copies."""
    async with db.uow() as uow:
        own = (await uow.session.exec(select(Member.name_key).where(Member.id == member_id))).one()
        copies = (await uow.session.exec(select(GroupMember.name_key)
                                         .where(GroupMember.member_id == member_id))).all()
    return {own, *copies}


async def test_keys_follow_names_wherever_they_are_written(chat, db, clock) -> None:  # type: ignore[no-untyped-def]
    """A new member (first command), an import, a group created (the ORM) and joined (the command's
    INSERT … SELECT), a rename (the ORM): the member's key and every membership's copy agree."""
    await ok(chat("neo@example.com"), "group create Alpha")
    ids = await ids_by_email(db)
    assert await keys_of(db, ids["neo@example.com"]) == {sort_key("Neo")}
    await import_directory(db, io.StringIO(HEADER + "neo@example.com,Néo Ándersón,,,,,,,\n"
                                           "trin@example.com,TRINITY,,,,,,,\n", newline=""))
    await ok(chat("trin@example.com"), "group join alpha")
    await ok(chat("neo@example.com"), "group create Beta")
    await ok(chat("trin@example.com"), "group join beta")
    ids = await ids_by_email(db)
    assert await keys_of(db, ids["neo@example.com"]) == {"neo anderson"}
    assert await keys_of(db, ids["trin@example.com"]) == {"trinity"}
    await set_member(db, "trin@example.com", display_name="Trinité")
    assert await keys_of(db, ids["trin@example.com"]) == {"trinite"}


async def test_a_rename_rolled_back_leaves_every_key_as_it_was(chat, db) -> None:  # type: ignore[no-untyped-def]
    """The member's key and its copies are written in the rename's transaction: a failure after the
    flush (a crash between the two writes) takes both back."""
    await ok(chat("neo@example.com"), "group create Alpha")
    member_id = (await ids_by_email(db))["neo@example.com"]
    with pytest.raises(RuntimeError):
        async with db.uow() as uow:
            member = await uow.session.get(Member, member_id)
            assert member is not None
            member.display_name = "Zed"
            uow.session.add(member)
            await uow.session.flush()
            assert await keys_in(uow, member_id) == {"zed"}
            raise RuntimeError("the process dies before the commit")
    assert await keys_of(db, member_id) == {"neo"}


async def keys_in(uow: Any, member_id: int) -> set[str]:
    own = (await uow.session.exec(select(Member.name_key).where(Member.id == member_id))).one()
    copies = (await uow.session.exec(select(GroupMember.name_key)
                                     .where(GroupMember.member_id == member_id))).all()
    return {own, *copies}


async def test_a_membership_written_without_its_key_is_refused(chat, db) -> None:  # type: ignore[no-untyped-def]
    """A bulk insert that forgets the key fails loudly instead of listing the member first."""
    await ok(chat("neo@example.com"), "group create Alpha")
    await import_directory(db, io.StringIO(HEADER + "trin@example.com,Trinity,,,,,,,\n", newline=""))
    trinity = (await ids_by_email(db))["trin@example.com"]
    with pytest.raises(IntegrityError):
        async with db.uow() as uow:
            await uow.session.exec(insert(GroupMember).values(  # type: ignore[call-overload]
                group_id=1, member_id=trinity, role="member", joined_at=FakeClock().now()))


async def test_the_page_is_read_in_name_order_from_an_index(chat, db) -> None:  # type: ignore[no-untyped-def]
    """SQLite's plan: the non-owners are read from the index of names, never sorted whole."""
    if db.dialect != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN")
    group_id, _ = await big_group(chat, db)
    statement = roster.page_statement()
    async with db.engine.connect() as conn:
        compiled = statement.compile(dialect=db.engine.dialect)
        params = {**compiled.params, "group": group_id, "limit": MEMBERS_LIMIT}
        plan = (await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled),
                                           tuple(params[name] for name in compiled.positiontup))).all()
    steps = [row[-1] for row in plan]
    assert any("ix_group_member_names" in step for step in steps), steps
    assert not any("SCAN" in step and "group_member" in step and "INDEX" not in step for step in steps), steps


async def test_page_counts_and_limits(chat, db) -> None:  # type: ignore[no-untyped-def]
    """``roster.page``: the total counts every live member, the rows stop at the limit."""
    group_id, people = await big_group(chat, db)
    async with db.uow() as uow:
        group = await uow.session.get(Group, group_id)
        assert group is not None
        small = await roster.page(uow, group, 7)
        everyone = await roster.page(uow, group, 500)
    assert (small.total, len(small.rows)) == (len(people), 7)
    assert (everyone.total, len(everyone.rows)) == (len(people), len(people))
    assert [row.name for row in everyone.rows] == expected(people, {*OWNERS, NAMES[0]})
    assert everyone.rows[:7] == small.rows


async def test_an_empty_group_says_so(chat, db) -> None:  # type: ignore[no-untyped-def]
    await ok(chat("neo@example.com"), "group create Alpha")
    await ok(chat("neo@example.com"), "group leave alpha")
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM group_member"))).scalar_one() == 0
    assert "no members" in (await ok(chat("neo@example.com"), "group members alpha")).text


async def test_a_membership_written_during_a_rename_takes_the_new_key(chat, db) -> None:  # type: ignore[no-untyped-def]
    """Another member's write at the same moment: a rename flushed but not committed, and a
    membership the ORM writes for the same member meanwhile (a group created, a join's fallback).
    The membership waits for the rename and takes its key, so no copy keeps the old name."""
    import asyncio

    await ok(chat("neo@example.com"), "group create Alpha")
    neo = (await ids_by_email(db))["neo@example.com"]
    async with db.uow() as uow:
        group = (await uow.session.exec(select(Group).where(Group.slug == "alpha"))).one()
        second = Group(slug="beta", name="Beta")
        uow.session.add(second)
        await uow.commit()
    assert second.id is not None

    async def join_meanwhile() -> str:
        async with db.uow() as other:
            row = GroupMember(group_id=second.id, member_id=neo)
            other.session.add(row)
            await other.commit()
        return row.name_key  # read back with the INSERT: no lazy load after the session

    async with db.uow() as uow:
        member = await uow.session.get(Member, neo)
        assert member is not None
        member.display_name = "Zed"
        uow.session.add(member)
        await uow.session.flush()
        joining = asyncio.create_task(join_meanwhile())
        await asyncio.sleep(0.3)
        await uow.commit()
    assert await joining == "zed"
    assert group.id is not None and await keys_of(db, neo) == {"zed"}
