"""The database layer: SQLite tuning, aware datetimes, and concurrent writers that never see
"database is locked"."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.runtime.activity_log import activity_log
from core.runtime.db import Database, make_engine
from core.runtime.sqlite_driver import read_rows
from core.schema import ActivityEvent, Member
from tests.conftest import actor


async def test_sqlite_runs_in_wal_with_normal_sync(db: Database) -> None:
    if db.dialect != "sqlite":
        return
    async with db.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() >= 5000


async def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    moment = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    async with db.uow() as uow:
        uow.session.add(Member(email="tz@example.com", charter_accepted_at=moment))
        await uow.commit()
    async with db.uow() as uow:
        member = (await uow.session.exec(select(Member).where(Member.email == "tz@example.com"))).one()
    assert member.charter_accepted_at == moment
    assert member.charter_accepted_at.tzinfo is not None


async def test_a_failed_unit_of_work_leaves_nothing(db: Database) -> None:
    async with db.uow() as uow:
        uow.session.add(Member(email="ghost@example.com"))
        await uow.session.flush()
        # no commit: leaving the block rolls back
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Member))).all() == []


async def test_concurrent_commands_never_fail(router: CommandRouter, db: Database) -> None:
    """Forty members typing at once: each command reads, then writes (member, identity, activity)."""
    people = [actor(f"p{i}@example.com") for i in range(40)]
    replies = await asyncio.gather(*(router.handle(Invocation(actor=who, text="help")) for who in people))
    assert all(not reply.error for reply in replies)
    replies = await asyncio.gather(*(router.handle(Invocation(actor=who, text="lang fr")) for who in people))
    assert all(not reply.error for reply in replies), [r.text for r in replies if r.error][:1]
    await activity_log(db).flush()  # the read-only helps' events are written in a batch
    async with db.uow() as uow:
        assert len((await uow.session.exec(select(ActivityEvent))).all()) == 80


async def test_a_database_error_carries_no_sql_parameters(db: Database) -> None:
    """An error's message is logged (``log.exception``): it must not hold the values a member typed."""
    secret = "member@example.com wrote: my manager is the problem"

    def ana() -> Member:
        return Member(email="ana@example.com", display_name=secret, created_at=datetime.now(UTC))

    async with db.uow() as uow:
        uow.session.add(ana())
        await uow.commit()
    with pytest.raises(IntegrityError) as raised:
        async with db.uow() as uow:
            uow.session.add(ana())
            await uow.commit()
    assert "my manager" not in str(raised.value) and "ana@example.com" not in str(raised.value)
    assert db.engine.sync_engine.hide_parameters
    assert make_engine("sqlite+aiosqlite://").sync_engine.hide_parameters, "migrations' engines too"


async def test_connections_the_server_closed_are_replaced_unseen(db: Database, pg_url: str) -> None:
    """PostgreSQL restarted, or an administrator ended idle sessions: pooled connections are dead.
    The next units of work and reads get live ones, without an error and without a round trip per
    checkout to find out (``Database``'s checkout check)."""
    if not pg_url:
        pytest.skip("PostgreSQL only: a SQLite connection is a file handle")
    async with db.uow() as uow, db.uow() as other:  # two pooled connections
        await uow.session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        await other.session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    killer = Database(pg_url)
    async with killer.engine.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    await killer.dispose()
    await asyncio.sleep(0.2)  # the terminations reach the pooled connections' sockets
    for _ in range(3):
        async with db.uow() as uow:
            assert (await uow.session.exec(select(Member))).all() == []
    assert await db.read(select(Member.id)) == []


async def test_writers_take_turns_and_a_failed_one_gives_its_turn_back(db: Database) -> None:
    """On SQLite the process's writers take turns (``sqlite_driver.WriteLock``) from their first write
    to their commit or rollback. A writer that failed, or left its block without committing, must
    give its turn back at once: the next one may not wait out the busy timeout (10 s)."""
    async with db.uow() as uow:
        uow.session.add(Member(email="ana@example.com", created_at=datetime.now(UTC)))
        await uow.commit()
    async with db.uow() as one, db.uow() as two:  # two pooled connections: turns pass between them
        await one.session.exec(select(Member))
        await two.session.exec(select(Member))
    with pytest.raises(IntegrityError):
        async with db.uow() as uow:
            uow.session.add(Member(email="ana@example.com", created_at=datetime.now(UTC)))
            await uow.commit()
    with pytest.raises(RuntimeError):
        async with db.uow() as uow:
            uow.session.add(Member(email="bob@example.com", created_at=datetime.now(UTC)))
            await uow.session.flush()
            raise RuntimeError("the command failed after writing")

    async def write(n: int) -> None:
        async with db.uow() as uow:
            uow.session.add(Member(email=f"m{n}@example.com", created_at=datetime.now(UTC)))
            await uow.session.flush()
            await asyncio.sleep(0.01)  # the turn is held across awaits, until the commit
            await uow.commit()

    await asyncio.wait_for(write(40), timeout=3)  # on the other connection: no turn left taken
    await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(40))), timeout=5)
    async with db.uow() as uow:
        assert len((await uow.session.exec(select(Member))).all()) == 42


async def test_hot_reads_see_their_own_writes_and_only_commits_of_others(db: Database) -> None:
    """``read_rows`` reads SQLite in the loop's own thread (``sqlite_reader``) while the unit of work
    has not written: it sees the last commit, never another unit's uncommitted rows, and never
    waits for a writer; once the unit of work has written, it reads its own writes."""
    def someone(email: str) -> Member:
        return Member(email=email, created_at=datetime.now(UTC))

    emails = select(Member.email).order_by(Member.email)
    async with db.uow() as writer:
        writer.session.add(someone("ana@example.com"))
        await writer.commit()
    async with db.uow() as writer, db.uow() as reader:
        writer.session.add(someone("bob@example.com"))
        await writer.session.flush()                       # holds the write lock, not committed
        assert await asyncio.wait_for(read_rows(reader, emails), 2) == [("ana@example.com",)]
        assert await read_rows(writer, emails) == [("ana@example.com",), ("bob@example.com",)]
        await writer.commit()
        assert await read_rows(reader, emails) == [("ana@example.com",), ("bob@example.com",)]
    assert await db.read(emails) == [("ana@example.com",), ("bob@example.com",)]
