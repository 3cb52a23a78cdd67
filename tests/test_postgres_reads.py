"""PostgreSQL's fast reads (``core.runtime.postgres_reads``): every read the app sends that way
returns exactly what SQLAlchemy's own execution returns — the same SQL and parameters at the driver,
the same rows, values of the same types (JSON, time zones, NULLs, non-ASCII) — and behaves as it does:
a unit of work sees its own writes and no one else's uncommitted ones, errors surface as SQLAlchemy's
``DBAPIError`` types, a connection the server closed is refused or invalidated, and every
connection goes back to the pool."""

from __future__ import annotations

import ast
import asyncio
import enum
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    cast,
    event,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import col

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.directory import identities
from core.ports import ConversationRef, FakeClock
from core.runtime import postgres_reads
from core.runtime.columns import UTCDateTime
from core.runtime.db import Database
from core.runtime.sqlite_driver import read_rows
from core.schema import Member
from core.services import Services
from tests.conftest import PG_URL, actor
from tests.expert_support import import_demo

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's fast path (PARVIS_TEST_DATABASE_URL)")

ANA = "ana.martin@aurora.example"          # animator
LUCAS = "lucas.bernard@aurora.example"     # referent, kubernetes
CHLOE = "chloe.petit@aurora.example"       # python, "Chloé"
CAMILLE = "camille.durand@aurora.example"  # admin
OLIVIA = "olivia.davis@aurora.example"     # a fallback contact, below
#: the demo's referents
REFERENTS = (LUCAS, "sarah.lambert@aurora.example", "amelia.brown@aurora.example",
             "isabelle.tremblay@aurora.example")
ROOT = Path(__file__).resolve().parent.parent


def exact(rows: list[Any]) -> list[tuple[tuple[str, str], ...]]:
    """Rows as (type, repr) pairs: equal values of another type, or the same instant in another
    time zone, differ."""
    return [tuple((type(value).__name__, repr(value)) for value in row) for row in rows]


def caller() -> str:
    """The function outside ``core.runtime`` that asked for the read (through ``writer_rows``)."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if (module.startswith("core.") and not module.startswith("core.runtime")
                and frame.f_code.co_name != "writer_rows"):
            return f"{module}.{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


@dataclass
class Seen:
    """One fast read, beside what SQLAlchemy's execution of the same statement gave."""

    where: str
    ordered: bool
    fast: list[Any]
    slow: list[Any]
    driver: tuple[str, list[Any]]
    sqlalchemy: list[tuple[str, list[Any]]]


class Recorder:
    """Wraps ``postgres_reads.pooled_rows`` and ``connection_rows`` (the two ways in): after each
    fast read, the same statement through SQLAlchemy — on the autocommit reader, or on the unit of
    work's own connection inside its transaction, so both see the same rows."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db, self.seen = db, list[Seen]()
        self.cursor: list[tuple[str, list[Any]]] = []
        self.target: Any = None
        pooled, on_connection = postgres_reads.pooled_rows, postgres_reads.connection_rows

        async def pooled_rows(engine: Any, prepared: postgres_reads.Prepared, params: Any) -> Any:
            fast = await pooled(engine, prepared, params)
            if fast is not None:
                async with db._reader.connect() as connection:
                    await self.compare(connection, prepared, params, fast, "pooled")
            return fast

        async def connection_rows(connection: Any, prepared: postgres_reads.Prepared, params: Any) -> Any:
            fast = await on_connection(connection, prepared, params)
            if fast is not None:
                await self.compare(connection, prepared, params, fast, "in transaction")
            return fast

        monkeypatch.setattr(postgres_reads, "pooled_rows", pooled_rows)
        monkeypatch.setattr(postgres_reads, "connection_rows", connection_rows)

    async def compare(self, connection: Any, prepared: postgres_reads.Prepared, params: Any, fast: list[Any],
                      how: str) -> None:
        self.cursor.clear()
        self.target = connection.sync_connection
        result = await connection.execute(prepared.compiled.statement, params or {})
        slow = [tuple(row) for row in result.all()]
        ordered = bool(getattr(prepared.compiled.statement, "_order_by_clauses", ()))
        driver = (prepared.sql, prepared.parameters(params))
        self.seen.append(Seen(f"{caller()} ({how})", ordered, fast, slow, driver, list(self.cursor)))

    def __enter__(self) -> Recorder:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self.record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self.record)

    def record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               many: bool) -> None:
        if conn is self.target:  # not the activity log's batches, written meanwhile
            self.cursor.append((statement, list(parameters)))


def the_app_reads() -> set[str]:
    """Every function of ``core`` (outside ``core.runtime``) that reads through ``read_rows``,
    ``Database.read`` or ``writer_rows``, as ``module.function``."""
    found = set()
    for path in (ROOT / "core").rglob("*.py"):
        if "runtime" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    _reads(node) for node in ast.walk(function)):
                found.add(f"{module}.{function.name}")
    # ``import_directory``'s ``read_rows`` reads CSV lines; ``writer_rows`` passes its callers' reads on;
    # ``find_referent``'s statement has expanding ``IN`` lists (the skills, the members left out), which
    # SQLAlchemy expands at execution: it always goes the usual way (asserted below)
    return found - {"core.directory.importer.import_directory", "core.directory.search.writer_rows",
                    "core.experts.handoff.find_referent"}


def _reads(node: ast.AST) -> bool:
    """A call of ``read_rows(…)``, ``writer_rows(…)``, ``(… read_rows)(…)`` or ``<…>.db.read(…)``."""
    if not isinstance(node, ast.Call):
        return False
    names = {getattr(name, "id", None) for name in ast.walk(node.func)}
    called = node.func
    return bool(names & {"read_rows", "writer_rows"}) or (
        isinstance(called, ast.Attribute) and called.attr == "read"
        and isinstance(called.value, ast.Attribute) and called.value.attr == "db")


async def run_everything(router: CommandRouter, services: Services, clock: FakeClock) -> None:
    """The commands that read through the fast path, on the demo organisation (accents in names,
    titles and skills), with NULLs (no title, no role in a group, no pairing), JSON (tags), dates
    and aware datetimes (an expert away until a date), a linked channel, twice each where a first
    read goes the usual way."""
    db = services.db
    await import_demo(db, clock)
    channel = ConversationRef(platform="console", tenant="local", channel="C-ÉQUIPE")

    async def say(email: str, text: str, where: ConversationRef | None = None) -> str:
        reply = await router.handle(Invocation(actor=actor(email), text=text, channel=where))
        return reply.text

    async with db.uow() as uow:  # a member without title or department: NULLs in the rows
        uow.session.add(Member(email="zoé@example.com", display_name="Zoé Ñandú", locale="fr",
                               created_at=clock.now()))
        await uow.commit()
    for _ in range(2):
        await say(ANA, "help")
        await say(ANA, "expert me")
        await say(CHLOE, "expert find python")
        await say(ANA, "expert find apprentissage automatique")
        await say(ANA, "expert find kubernets")
        await say(ANA, "expert find zzzz qqqq")
    await say(CHLOE, f"expert away until {(clock.now() + timedelta(days=9)).date().isoformat()}")
    await say(ANA, "expert add rust, données, stratégie")
    await say(ANA, "expert remove rust")
    await say(ANA, "group create Équipe Données ☕ -- Café, statistiques et données #données #日本")
    await say(ANA, "group create Kubernetes Guild")
    await say(CAMILLE, "group create Conseil --private -- #stratégie")
    await say(ANA, "group link equipe-donnees", channel)
    await say(ANA, "group pairing on equipe-donnees every 2 weeks")
    await say(LUCAS, "group join equipe-donnees", channel)
    await say(CHLOE, "group join equipe-donnees")
    for _ in range(2):
        await say(ANA, "expert find python")
        await say(LUCAS, "group list")
        await say(CAMILLE, "group list")
        await say(LUCAS, "group list donnees")
        await say(LUCAS, "group info equipe-donnees")
        await say(ANA, "group info Équipe Données ☕")
        await say(CHLOE, "group info equipedonnees")  # no slug: every group she may see, by name
        await say(CAMILLE, "group info conseil")  # a private group's slug has a suffix: by name
        await say(CHLOE, "group members conseil")  # private: as if it did not exist
        await say(LUCAS, "group members equipe-donnees")
        await say(ANA, "expert me")
        await say(LUCAS, "question list")
        await say(ANA, "campaign list")
    await say(LUCAS, "group leave equipe-donnees")
    await say(LUCAS, "group join kubernetes-guild")
    await say(ANA, "group leave kubernetes-guild")  # the last owner: Lucas inherits it
    await say(LUCAS, "group leave kubernetes-guild")
    await say(ANA, "group add equipe-donnees lucas.bernard@aurora.example")
    await say(CHLOE, "ask Comment déployer une appli sur kubernetes ?")
    await say(ANA, "ask How do I tune a Python pandas job?")
    await say(ANA, 'campaign new quarterly-pulse groups="Équipe Données ☕" start=2026-03-10')
    await say(ANA, "campaign start 1")
    for _ in range(2):
        await say(ANA, "question list")
        await say(CHLOE, "question list")
        await say(CHLOE, "campaign list")
        await say(ANA, "campaign list")
    # no skill matched: the first free referent (handoff.find_referent); then, every referent away,
    # the administrators' fallback contact (routing._holder)
    for _ in range(2):
        await say(CHLOE, "ask Who can explain quantum chromodynamics lattice methods?")
    services.settings = replace(services.settings,
                                experts=replace(services.settings.experts, fallback=(OLIVIA,)))
    for referent in REFERENTS:
        await say(referent, "expert away")
    for _ in range(2):
        await say(CHLOE, "ask Who knows about medieval tapestry restoration techniques?")
    assert await identities.is_known(services, "console", "local", ANA)  # the Slack adapter's


async def test_every_fast_read_of_the_app_equals_sqlalchemys(
        router: CommandRouter, services: Services, db: Database, clock: FakeClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """For every read that takes the fast path in the app: the SQL and parameters asyncpg gets are
    those SQLAlchemy sends, and the rows (values and their types) those SQLAlchemy returns. Every
    read of ``read_rows`` and ``Database.read`` is made fast here, even the first of a statement
    and one built for a single read (``postgres_reads.hot`` sends those the usual way)."""
    monkeypatch.setattr(postgres_reads, "hot", postgres_reads.prepare)
    with Recorder(db, monkeypatch) as recorder:
        await run_everything(router, services, clock)
    assert recorder.seen
    for seen in recorder.seen:
        if seen.ordered:
            assert exact(seen.fast) == exact(seen.slow), seen.where
        else:  # in no particular order: the same rows
            assert sorted(exact(seen.fast)) == sorted(exact(seen.slow)), seen.where
        assert [seen.driver] == seen.sqlalchemy, seen.where
    values = [value for seen in recorder.seen for row in seen.fast for value in row]
    assert None in values and any(isinstance(v, str) and "é" in v for v in values)
    assert any(isinstance(v, list) and "日本" in v for v in values), "JSON tags"
    assert any(isinstance(v, datetime) and v.tzinfo is UTC for v in values), "aware datetimes"
    assert any(type(v) is date for v in values), "dates"
    functions = {seen.where.split(" ")[0] for seen in recorder.seen}
    assert the_app_reads() <= functions, "a read of the app the scenario does not cover"
    from core.experts.handoff import _free_referent_statement
    assert postgres_reads.prepare(_free_referent_statement(), db.engine.dialect) is None, "the usual way"
    assert any("in transaction" in seen.where for seen in recorder.seen), "a unit of work that wrote"


class Mood(enum.Enum):
    calm = "calm"
    ravi = "ravi·e"


class Shown(TypeDecorator[str]):
    """A decorator whose result processor turns NULL into a value: it must run on NULLs too."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else value.upper()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str:
        return "∅" if value is None else value.lower()


KINDS = MetaData()
kinds = Table(
    "fast_read_kinds", KINDS,
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("mood", Enum(Mood, name="fast_read_mood")),
    Column("tags", JSON),
    Column("at", UTCDateTime()),
    Column("naive", DateTime()),
    Column("day", Date),
    Column("price", Numeric(10, 2)),
    Column("score", Float),
    Column("ok", Boolean),
    Column("shown", Shown()),
)
PARIS = timezone(timedelta(hours=2))


@pytest.fixture
async def kinds_table(db: Database) -> AsyncIterator[None]:
    """A table of every kind of column, with a row of values and a row of NULLs."""
    async with db.engine.begin() as connection:
        await connection.run_sync(KINDS.drop_all)
        await connection.run_sync(KINDS.create_all)
        await connection.execute(kinds.insert(), [
            {"id": 1, "name": "Zoé 日本 ☕", "mood": Mood.ravi, "tags": {"k": ["é", None, 1.5], "n": None},
             "at": datetime(2026, 3, 29, 1, 30, tzinfo=PARIS), "naive": datetime(2026, 3, 29, 1, 30),
             "day": date(2026, 2, 28), "price": Decimal("12.30"), "score": 0.1, "ok": True, "shown": "Mixed"},
            {"id": 2, "name": None, "mood": None, "tags": None, "at": None, "naive": None, "day": None,
             "price": None, "score": None, "ok": None, "shown": None},
        ])
    yield
    async with db.engine.begin() as connection:
        await connection.run_sync(KINDS.drop_all)


def every_kind() -> Any:
    """Columns of every kind, expressions PostgreSQL types itself (a sum is ``numeric``, a time
    zone conversion a naive ``timestamp``), and parameters of every kind (bind processors)."""
    return select(
        kinds, func.sum(kinds.c.price).over().label("total"), (kinds.c.score * 2).label("twice"),
        func.timezone("Asia/Kolkata", kinds.c.at).label("kolkata"), kinds.c.tags["k"].label("k"),
        cast(bindparam("when", type_=UTCDateTime()), DateTime(timezone=True)).label("echo"),
        literal("ünï", String()).label("lit"),
    ).where(
        (kinds.c.at < bindparam("when", type_=UTCDateTime())) | kinds.c.at.is_(None),
        (kinds.c.mood != bindparam("mood", type_=Enum(Mood, name="fast_read_mood"))) | kinds.c.mood.is_(None),
        kinds.c.shown.is_distinct_from(bindparam("shown", type_=Shown())),
    ).order_by(kinds.c.id)


PARAMS = {"when": datetime(2026, 3, 29, 12, 0, tzinfo=PARIS), "mood": Mood.calm, "shown": "other"}


class Fetches:
    """How many statements went straight to asyncpg."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        fetch = postgres_reads._fetch

        async def counted(*args: Any) -> Any:
            self.count += 1
            return await fetch(*args)

        monkeypatch.setattr(postgres_reads, "_fetch", counted)


async def sqlalchemys(db: Database, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    async with db.engine.connect() as connection:
        return [tuple(row) for row in (await connection.execute(statement, params or {})).all()]


async def test_every_kind_of_column_and_parameter_converts_as_sqlalchemy_does(
        db: Database, kinds_table: None, monkeypatch: pytest.MonkeyPatch) -> None:
    fetches = Fetches(monkeypatch)
    statement = every_kind()
    expected = await sqlalchemys(db, statement, PARAMS)
    assert len(expected) == 2 and expected[1][1:10] == (None,) * 9 and expected[1][10] == "∅"
    assert expected[0][4] == datetime(2026, 3, 28, 23, 30, tzinfo=UTC) and expected[0][2] is Mood.ravi
    for _ in range(3):  # the first read goes the usual way; the next ones are fast
        assert exact(await db.read(statement, PARAMS)) == exact(expected)
    async with db.uow() as uow:
        uow.session.add(Member(email="writer@example.com", created_at=datetime.now(UTC)))
        await uow.session.flush()
        assert exact(await read_rows(uow, statement, PARAMS)) == exact(expected)
    assert fetches.count == 3


async def test_a_unit_of_work_sees_its_own_writes_and_no_one_elses(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before it writes, a unit of work reads the last commit (the autocommit reader); after, its
    own connection inside its transaction — both fast."""
    fetches = Fetches(monkeypatch)
    emails = select(col(Member.email)).order_by(col(Member.email))
    postgres_reads.warm(emails, db.engine.dialect)
    async with db.uow() as writer:
        writer.session.add(Member(email="ana@example.com", created_at=datetime.now(UTC)))
        await writer.commit()
    async with db.uow() as writer, db.uow() as reader:
        writer.session.add(Member(email="bob@example.com", created_at=datetime.now(UTC)))
        await writer.session.flush()
        assert await read_rows(reader, emails) == [("ana@example.com",)]
        assert await read_rows(writer, emails) == [("ana@example.com",), ("bob@example.com",)]
        assert await read_rows(reader, emails) == [("ana@example.com",)]
        await writer.commit()
        assert await read_rows(reader, emails) == [("ana@example.com",), ("bob@example.com",)]
    async with db.uow() as rolled_back:
        rolled_back.session.add(Member(email="eve@example.com", created_at=datetime.now(UTC)))
        await rolled_back.session.flush()
        assert len(await read_rows(rolled_back, emails)) == 3
    assert await db.read(emails) == [("ana@example.com",), ("bob@example.com",)]
    assert fetches.count == 6


async def test_a_first_read_in_a_transaction_begins_it_as_sqlalchemy_would(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read on a unit of work's connection before any statement (``search.writer_rows``) opens
    its transaction: what it writes next commits or rolls back with it."""
    fetches = Fetches(monkeypatch)
    emails = select(col(Member.email)).order_by(col(Member.email))
    postgres_reads.warm(emails, db.engine.dialect)
    async with db.uow() as uow:
        connection = await uow.session.connection()
        assert await postgres_reads.connection_rows(connection, postgres_reads.hot(emails, db.engine.dialect),
                                                    None) == []
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver.is_in_transaction()
        uow.session.add(Member(email="gone@example.com", created_at=datetime.now(UTC)))
        await uow.session.flush()
    assert await db.read(emails) == []  # rolled back with the read's transaction
    assert fetches.count == 2


async def test_statements_the_fast_path_cannot_run_exactly_go_the_usual_way(db: Database) -> None:
    expanding = select(col(Member.email)).where(col(Member.id).in_(bindparam("ids", expanding=True)))
    assert postgres_reads.prepare(expanding, db.engine.dialect) is None
    assert postgres_reads.prepare(text("SELECT email FROM member"), db.engine.dialect) is None
    async with db.uow() as uow:
        uow.session.add(Member(email="in@example.com", created_at=datetime.now(UTC)))
        await uow.commit()
    for _ in range(2):
        assert await db.read(expanding, {"ids": [1, 2, 3]}) == [("in@example.com",)]
    fresh = [select(col(Member.email)).where(col(Member.id) == i) for i in range(3)]
    before = postgres_reads.prepare.cache_info().currsize
    for statement in fresh:  # built for each read: never compiled for the fast path
        await db.read(statement)
    assert postgres_reads.prepare.cache_info().currsize == before


async def errors_of(read: Any) -> tuple[type, type, bool]:
    with pytest.raises(StatementError) as caught:  # DBAPIError's base
        await read
    error = caught.value
    invalidated = bool(getattr(error, "connection_invalidated", False))
    return type(error), type(getattr(error, "orig", None)), invalidated


async def test_a_statement_error_is_sqlalchemys_error(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same ``DBAPIError`` subclass, wrapping the same DB-API error, on both paths; a value no
    bind processor takes is SQLAlchemy's ``StatementError``; the connection stays usable."""
    fetches = Fetches(monkeypatch)
    bad = select(cast(bindparam("n", type_=String()), Integer).label("n"))
    naive = select(bindparam("at", type_=UTCDateTime()).label("at"))
    for statement in (bad, naive):
        postgres_reads.warm(statement, db.engine.dialect)

    async def usual(statement: Any, params: dict[str, Any]) -> Any:
        async with db._reader.connect() as connection:
            return await connection.execute(statement, params)

    expected = await errors_of(usual(bad, {"n": "douze"}))
    assert issubclass(expected[0], DBAPIError) and not expected[2]
    assert await errors_of(db.read(bad, {"n": "douze"})) == expected
    async with db.uow() as uow:
        uow.session.add(Member(email="w@example.com", created_at=datetime.now(UTC)))
        await uow.session.flush()
        assert await errors_of(read_rows(uow, bad, {"n": "douze"})) == expected
    wrong = {"at": datetime(2026, 1, 1)}
    assert await errors_of(db.read(naive, wrong)) == await errors_of(usual(naive, wrong))
    assert await db.read(bad, {"n": "12"}) == [(12,)]
    assert fetches.count == 3  # the naive datetime never reached the driver
    assert db.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def backend(db: Database) -> int:
    return int((await db.read(select(func.pg_backend_pid())))[0][0])


async def test_a_connection_the_server_closed_is_refused_or_invalidated(db: Database) -> None:
    """Closed while idle in the pool: refused at checkout (``db._refuse_closed``) and replaced, the
    read succeeds. Closed during a read: SQLAlchemy's disconnect error, the connection invalidated
    (not given back), and the next read on a new one."""
    pool = db.engine.sync_engine.pool
    pid = await backend(db)
    assert await backend(db) == pid  # one pooled connection, fast the second time
    admin = create_async_engine(PG_URL)
    async with admin.connect() as connection:
        await connection.execute(select(func.pg_terminate_backend(pid)))
    await admin.dispose()
    await asyncio.sleep(0.2)  # the driver hears of the closing
    assert await backend(db) != pid
    killer = select(func.pg_terminate_backend(func.pg_backend_pid()))
    postgres_reads.warm(killer, db.engine.dialect)
    async with db._reader.connect() as connection:
        expected = await errors_of(connection.execute(killer))
    assert issubclass(expected[0], DBAPIError) and expected[2], "SQLAlchemy's: a disconnect"
    assert await errors_of(db.read(killer)) == expected
    assert await backend(db) > 0
    assert pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_connections_go_back_to_the_pool(db: Database) -> None:
    """Fast reads check a connection out and give it back, concurrently too: the pool never grows
    past what concurrent reads need, and nothing stays checked out."""
    pool = db.engine.sync_engine.pool
    emails = select(col(Member.email))
    postgres_reads.warm(emails, db.engine.dialect)
    await asyncio.gather(*(db.read(emails) for _ in range(50)))
    for _ in range(100):
        await db.read(emails)
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    assert pool.checkedin() <= 15  # type: ignore[attr-defined]  (pool_size 5 + max_overflow 10)


async def test_a_cancelled_read_leaves_no_connection_half_used(db: Database) -> None:
    slow = select(func.pg_sleep(5), literal(1))
    postgres_reads.warm(slow, db.engine.dialect)
    task = asyncio.create_task(db.read(slow))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert db.engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert await asyncio.wait_for(db.read(select(literal(2))), 3) == [(2,)]
