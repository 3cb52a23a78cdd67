"""The activity log: every command's events, written in batches by one writer at a time.

On the real database of the run (SQLite: one ``json_each`` statement per batch; PostgreSQL: an
``executemany``), the rows must read back exactly as if the ORM had written them.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import text
from sqlmodel import col, func, select

from core.groups.models import GroupMember
from core.runtime.activity_log import ActivityLog, activity_log
from core.runtime.db import Database
from core.schema import ActivityEvent, ActivityWeek, Member

AT = datetime(2026, 11, 29, 9, 30, 15, 123456, tzinfo=UTC)


async def members(db: Database, count: int) -> list[int]:
    async with db.uow() as uow:
        rows = [Member(display_name=f"m{n}", email=f"m{n}@example.com") for n in range(count)]
        uow.session.add_all(rows)
        await uow.commit()
    return [row.id for row in rows if row.id is not None]


def event(member_id: int | None, name: str = "help", at: datetime = AT) -> dict[str, object]:
    return {"member_id": member_id, "kind": "command", "platform": "slack", "at": at,
            "detail": {"name": name}}


async def test_a_batch_reads_back_like_rows_the_orm_wrote(db: Database) -> None:
    ana, bob = await members(db, 2)
    async with db.uow() as uow:  # the reference: the same event written by the ORM
        uow.session.add(ActivityEvent(**event(ana)))  # type: ignore[arg-type]
        await uow.commit()
    log = ActivityLog(db)
    log.add(event(ana))
    log.add(event(bob, "expert find", AT.astimezone(timezone(timedelta(hours=1)))))  # same instant, Paris
    log.add(event(None))
    await log.flush()
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(ActivityEvent).order_by(col(ActivityEvent.id)))).all()
        stored = (await uow.session.exec(text(  # type: ignore[call-overload]
            "SELECT CAST(at AS VARCHAR), CAST(detail AS VARCHAR) FROM activity_event ORDER BY id"))).all()
    assert [(row.member_id, row.detail, row.at) for row in rows] == [
        (ana, {"name": "help"}, AT), (ana, {"name": "help"}, AT), (bob, {"name": "expert find"}, AT),
        (None, {"name": "help"}, AT)]
    # the very same text in the database: range queries on ``at`` compare what is stored
    assert stored[1] == stored[0] and stored[2][0] == stored[0][0]


async def test_events_added_during_a_write_wait_for_the_next_batch(db: Database) -> None:
    ids = await members(db, 3)
    log = ActivityLog(db, linger=0.01)
    writes: list[int] = []
    original = log._insert

    async def counted(rows: list[dict[str, object]]) -> None:
        writes.append(len(rows))
        await original(rows)  # type: ignore[arg-type]

    log._insert = counted  # type: ignore[method-assign]
    for round_ in range(20):                     # a busy server: events keep coming during writes
        for n in range(50):
            log.add(event(ids[n % 3], f"c{round_}"))
        await asyncio.sleep(0)
    await log.flush()
    assert sum(writes) == 1000
    assert len(writes) < 20                       # batches, not a transaction per burst
    async with db.uow() as uow:
        assert (await uow.session.exec(select(func.count()).select_from(ActivityEvent))).one() == 1000


async def test_a_batch_with_a_vanished_member_keeps_the_other_events(db: Database) -> None:
    (ana,) = await members(db, 1)
    log = activity_log(db)
    log.add(event(ana))
    log.add(event(ana + 1000))                    # no such member (deleted meanwhile): foreign key
    log.add(event(ana, "group list"))
    await log.flush()
    async with db.uow() as uow:
        names = (await uow.session.exec(select(ActivityEvent.detail))).all()
    assert sorted(name["name"] for name in names) == ["group list", "help"]


async def test_a_write_command_counts_in_the_batch_not_inside_its_write(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    """``group join`` commits its membership at once; its activity event (and week) follow in the next
    batch, so the write itself holds no statement for the statistic. A refused write counts nothing."""
    ana, bob = chat("ana@example.com"), chat("bob@example.com")
    assert not (await ana.say("group create Data Science")).error
    await activity_log(db).flush()
    joined = await bob.say("group join data science")
    assert not joined.error, joined.text
    async with db.uow() as uow:
        events = (await uow.session.exec(select(ActivityEvent.detail))).all()
        assert sorted(event["name"] for event in events) == ["group create"]  # the join's: not yet
        assert (await uow.session.exec(select(func.count()).select_from(GroupMember))).one() == 2
    assert activity_log(db).pending == 1
    assert (await bob.say("group join data science")).error       # already a member: no event
    await activity_log(db).flush()
    async with db.uow() as uow:
        events = (await uow.session.exec(select(ActivityEvent.detail))).all()
        weeks = (await uow.session.exec(select(ActivityWeek.member_id))).all()
    assert sorted(event["name"] for event in events) == ["group create", "group join"]
    assert len(set(weeks)) == 2                                    # both members active this week
