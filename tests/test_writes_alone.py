"""A command whose one write is one statement commits it on its own (``UnitOfWork.write``): on PostgreSQL
without the ``BEGIN``/``COMMIT`` round trips, on SQLite in the loop's own thread without the hand-offs
to the driver thread (``core.runtime.sqlite_writer``); and still everything the transaction gave — the
caches told of the write, a failure after it leaving the caches in step with the database, a second
write through the same unit of work refused, the same member joining twice at once told so, nothing
saved twice. On SQLite the statement gives way to any other writer, of this process or another one,
and then waits its turn in a transaction as before."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.groups import invites
from core.runtime.db import ROWS_TOLD, Database, Written
from core.schema import ExpertSkill, GroupMember, Skill
from tests.campaign_support import ANA, BOB
from tests.conftest import actor

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


@contextmanager
def transactions(db: Database) -> Iterator[list[str]]:
    """The transactions the current task begins on the server (not the stand-alone statements run
    in autocommit; not the activity log's batches, written by a task of their own)."""
    begun: list[str] = []
    task = asyncio.current_task()

    def begin(conn: Any) -> None:
        if (conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
                and asyncio.current_task() is task):
            begun.append("BEGIN")

    event.listen(db.engine.sync_engine, "begin", begin)
    try:
        yield begun
    finally:
        event.remove(db.engine.sync_engine, "begin", begin)



@pytest.mark.parametrize(("setup", "command", "then", "shown"), [
    (None, "group join maps", "group info maps", "You are a member"),
    ("group join maps", "group leave maps", "group info maps", "You are not a member"),
    (None, "expert add python:3", "expert me", "python (level 3"),
    ("expert add python", "expert remove python", "expert me", "not declared any skill"),
])
async def test_a_one_statement_write_commits_alone_and_the_caches_see_it(  # type: ignore[no-untyped-def]
        chat, db, setup: str | None, command: str, then: str, shown: str) -> None:
    await chat(BOB).say("group create Maps")
    await chat(BOB).say("expert add python:2")
    ana = chat(ANA)
    if setup is not None:
        assert not (await ana.say(setup)).error
    before = await ana.say(then)                    # kept in the reply cache
    assert not before.error
    with transactions(db) as begun:
        done = await ana.say(command)
    assert not done.error, done.text
    assert begun == [], "one statement committed on its own: no transaction begun"
    after = await ana.say(then)
    assert after.text != before.text, "the reply cache was told of the write"
    assert shown in after.text, after.text


async def test_a_failure_after_the_write_leaves_the_caches_in_step_with_the_database(  # type: ignore[no-untyped-def]
        chat, db, monkeypatch) -> None:
    """The membership is committed by the time ``_join`` fails after it: the member's next
    ``group info`` says what the database holds, not what the cache kept from before."""
    await chat(BOB).say("group create Maps")
    ana = chat(ANA)
    assert "You are not a member" in (await ana.say("group info maps")).text

    def broken(*_: Any) -> Any:
        raise RuntimeError("after the write")

    monkeypatch.setattr(invites, "reachable", broken)
    failed = await ana.say("group join maps")
    assert failed.error
    monkeypatch.undo()
    async with db.uow() as uow:
        saved = (await uow.session.exec(select(func.count()).select_from(GroupMember))).scalar_one()
    assert saved == 2
    assert "You are a member" in (await ana.say("group info maps")).text
    assert (await ana.say("group join maps")).error, "nothing joined twice"


async def test_a_unit_of_work_that_wrote_alone_refuses_a_second_write_and_tells_its_listeners(  # type: ignore[no-untyped-def]
        db: Database) -> None:
    told: list[Written] = []
    db.on_commit(told.append)
    statement = (insert(Skill).values(name="rust", created_at=NOW).returning(Skill.id)  # type: ignore[arg-type]
                 .execution_options(**{ROWS_TOLD: True}))
    async with db.uow() as uow:
        uow.may_write_alone()
        rows = await uow.write(statement, {}, last=True)
        assert len(rows) == 1
        uow.wrote_rows([Skill(id=rows[0][0], name="rust", created_at=NOW)])
        uow.session.add(Skill(name="go", created_at=NOW))
        with pytest.raises(RuntimeError, match="cannot write again"):
            await uow.session.flush()
        # no commit: the block ends as a failed command's would
    async with db.uow() as uow:
        names = set((await uow.session.exec(select(Skill.name))).scalars())
    assert names == {"rust"}, "committed on its own; the second write refused"
    assert [[s.name for s in w.created] for w in told] == [["rust"]], "the listeners were told once"


async def test_a_statement_alone_that_fails_raises_and_drops_its_table_from_the_caches(  # type: ignore[no-untyped-def]
        db: Database) -> None:
    async with db.uow() as uow:
        uow.session.add(Skill(name="rust", created_at=NOW))
        await uow.commit()
    told: list[Written] = []
    db.on_commit(told.append)
    statement = insert(Skill).values(name="rust", created_at=NOW).returning(Skill.id)  # type: ignore[arg-type]
    async with db.uow() as uow:
        uow.may_write_alone()
        with pytest.raises(IntegrityError):
            await uow.write(statement, {}, last=True)
    if db.dialect == "postgresql":
        assert [w.tables for w in told] == [{"skill"}]


async def test_a_write_not_last_or_not_allowed_stays_in_the_transaction(db: Database) -> None:
    statement = insert(Skill).values(name="rust", created_at=NOW).returning(Skill.id)  # type: ignore[arg-type]
    for allowed, last in ((True, False), (False, True)):
        async with db.uow() as uow:
            if allowed:
                uow.may_write_alone()
            await uow.write(statement, {}, last=last)
        async with db.uow() as uow:
            assert (await uow.session.exec(select(Skill))).first() is None, "rolled back with its block"


async def test_the_same_member_joining_twice_at_once_is_told_once_and_saved_once(  # type: ignore[no-untyped-def]
        chat, db, database_url, services, registry) -> None:
    """Two processes, the same join at the same moment: one joins, the other is told she is a member."""
    await chat(BOB).say("group create Maps")
    other = Database(database_url)
    try:
        second = CommandRouter(services.__class__(db=other, renderers=registry, clock=services.clock,
                                                  messengers=dict(services.messengers),
                                                  settings=services.settings), registry)
        first = CommandRouter(services, registry)
        join = Invocation(actor=actor(ANA), text="group join maps")
        replies = await asyncio.gather(first.handle(join), second.handle(join))
    finally:
        await other.dispose()
    assert sorted(reply.error for reply in replies) == [False, True], [r.text for r in replies]
    assert any("already a member" in reply.text for reply in replies if reply.error)
    async with db.uow() as uow:
        count = (await uow.session.exec(select(func.count()).select_from(GroupMember))).scalar_one()
    assert count == 2  # Bob, owner, and Ana once


async def test_a_second_skill_in_the_same_command_keeps_both_in_one_transaction(chat, db) -> None:  # type: ignore[no-untyped-def]
    await chat(ANA).say("help")  # she is a member before the command (her first one writes her)
    with transactions(db) as begun:
        done = await chat(ANA).say("expert add python:3, rust:2")
    assert not done.error
    if db.dialect == "postgresql":
        assert begun == ["BEGIN"], "two statements: one transaction"
    async with db.uow() as uow:
        held = (await uow.session.exec(select(func.count()).select_from(ExpertSkill))).scalar_one()
    assert held == 2


@contextmanager
def driver_writes() -> Iterator[list[str]]:
    """The write statements that go through aiosqlite's driver thread meanwhile."""
    import core.runtime.sqlite_driver as driver

    seen: list[str] = []
    original = driver._run_statement

    def spy(conn: Any, operation: Any, parameters: Any, many: bool) -> Any:
        if driver.writes(operation, many):
            seen.append(str(operation).split()[0])
        return original(conn, operation, parameters, many)

    driver._run_statement = spy  # type: ignore[assignment]
    try:
        yield seen
    finally:
        driver._run_statement = original  # type: ignore[assignment]


@pytest.fixture
def sqlite_only(db: Database) -> Database:
    if db.dialect != "sqlite":
        pytest.skip("SQLite's writer in the loop's thread")
    return db


async def test_on_sqlite_the_statement_is_written_in_the_loops_thread(chat, sqlite_only) -> None:  # type: ignore[no-untyped-def]
    await chat(BOB).say("group create Maps")
    await chat(ANA).say("help")  # she is a member before the command (her first one writes her)
    with driver_writes() as through_driver:
        done = await chat(ANA).say("group join maps")
    assert not done.error, done.text
    assert through_driver == [], "no hand-off to the driver thread for the membership"
    assert "You are a member" in (await chat(ANA).say("group info maps")).text


async def test_on_sqlite_the_statement_waits_for_a_writer_of_this_process(chat, sqlite_only) -> None:  # type: ignore[no-untyped-def]
    """Another command of this process is inside its write turn: the join waits for the turn, instead
    of failing or writing beside it, then writes in the loop's thread."""
    db = sqlite_only
    await chat(BOB).say("group create Maps")
    await chat(ANA).say("help")
    async with db.uow() as other:
        other.session.add(Skill(name="rust", created_at=NOW))
        await other.session.flush()  # this process's write turn, held until the commit
        with driver_writes() as through_driver:
            joining = asyncio.ensure_future(chat(ANA).say("group join maps"))
            await asyncio.sleep(0.1)
            assert not joining.done(), "the join waits for the turn"
            await other.commit()
            done = await joining
    assert not done.error, done.text
    assert through_driver == [], "written in the loop's thread once the turn was free"
    async with db.uow() as uow:
        assert (await uow.session.exec(select(func.count()).select_from(GroupMember))).scalar_one() == 2
        assert list((await uow.session.exec(select(Skill.name))).scalars()) == ["rust"]


async def test_on_sqlite_the_statement_gives_way_to_a_writer_of_another_process(  # type: ignore[no-untyped-def]
        chat, sqlite_only, database_url) -> None:
    """An import (another process) holds SQLite's write lock: the statement in the loop's thread
    does not wait there (that would stop every other command); the join waits for the lock on the
    driver thread, as before, and is saved once the import commits."""
    import sqlite3

    from core.runtime.db import sqlite_file

    await chat(BOB).say("group create Maps")
    await chat(ANA).say("help")
    importer = sqlite3.connect(str(sqlite_file(database_url)), isolation_level=None, check_same_thread=False)
    try:
        importer.execute("BEGIN IMMEDIATE")
        with driver_writes() as through_driver:
            joining = asyncio.ensure_future(chat(ANA).say("group join maps"))
            await asyncio.sleep(0.2)
            assert not joining.done(), "the join waits for the other process"
            importer.execute("COMMIT")
            done = await joining
    finally:
        importer.close()
    assert not done.error, done.text
    assert through_driver == ["INSERT"]
    assert "You are a member" in (await chat(ANA).say("group info maps")).text


async def test_on_sqlite_a_statement_that_fails_in_the_loops_thread_fails_as_before(  # type: ignore[no-untyped-def]
        sqlite_only) -> None:
    """A foreign key refused: nothing written, and the error SQLAlchemy's (the usual way reports it)."""
    db = sqlite_only
    statement = (insert(ExpertSkill).values(member_id=999, skill_id=999, level=2, referent=False,  # type: ignore[arg-type]
                                            added_at=NOW).returning(ExpertSkill.level))
    async with db.uow() as uow:
        uow.may_write_alone()
        with pytest.raises(IntegrityError):
            await uow.write(statement, {}, last=True)
    async with db.uow() as uow:
        assert (await uow.session.exec(select(ExpertSkill))).first() is None
