"""SQLite's fast paths through aiosqlite: one hand-off to the driver thread per statement.

aiosqlite runs every DB-API call on its own thread, each a hand-off and a wake-up of the event loop;
on a busy 2-core machine those hand-offs are most of a small command's time. Two paths avoid them:

- every statement SQLAlchemy runs on SQLite goes through ``_OneHopCursor``: cursor, execute, fetch
  and close in one call on the driver thread (``tune_sqlite`` installs it on each new connection,
  with the pragmas);
- a hot read built once (the expert search's ranking and version queries) can skip SQLAlchemy's
  execution path altogether: ``read_rows`` compiles it once, then runs it with aiosqlite's
  ``execute_fetchall``, applying the same bind and result conversions SQLAlchemy would. On
  PostgreSQL the same reads run straight on asyncpg (``core.runtime.postgres_reads``). A statement
  with parameters expanded at execution time (``IN`` lists) goes through SQLAlchemy as usual.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.runtime import postgres_reads
from core.runtime.sqlite_reader import DirectReader
from core.runtime.sqlite_statements import prepare
from core.runtime.sqlite_writes import SQLITE_BUSY_TIMEOUT_MS, TURNS, WriteLock, writes


class Reads(Protocol):
    """What reads apart from a transaction (``core.runtime.db.Database.read``)."""

    async def read(self, statement: Any, params: dict[str, Any] | None = None) -> list[Any]: ...


class InSession(Protocol):
    """What the fast reads need of a ``core.runtime.db.UnitOfWork``: its session, whether it wrote, and
    its database's reads apart from any transaction. A protocol rather than an import, because
    ``core.runtime.db`` imports this module (it installs ``tune_sqlite``)."""

    @property
    def session(self) -> AsyncSession: ...

    @property
    def wrote(self) -> bool: ...

    @property
    def database(self) -> Reads | None: ...


def tune_sqlite(dbapi_connection: Any, _record: Any, turns: WriteLock | None = None) -> None:
    """WAL with synchronous=NORMAL and a busy timeout, so concurrent commands wait instead of failing
    with "database is locked"; foreign keys on, as on PostgreSQL. ``turns``: the engine's
    ``WriteLock``, which this connection's writers take turns on."""
    if type(dbapi_connection) is AsyncAdapt_aiosqlite_connection and hasattr(dbapi_connection._connection,
                                                                             "_execute"):
        dbapi_connection.__class__ = _OneHopConnection  # same slots: only the cursor class differs
        if turns is not None:
            TURNS[dbapi_connection._connection] = turns
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class _Ran:
    """What a sqlite3 cursor left after one statement, taken in aiosqlite's thread."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize", "rows")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: int | None = None,
                 rows: list[Any] | None = None) -> None:
        self.description, self.rowcount, self.lastrowid = description, rowcount, lastrowid
        self.arraysize = 1
        self.rows = rows or []

    def close(self) -> None:
        """Nothing to close: the sqlite3 cursor was closed in the driver thread."""


def _run_statement(conn: Any, operation: Any, parameters: Any, many: bool) -> _Ran:
    """Runs in aiosqlite's thread: cursor, execute, fetch and close in one go."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Ran(cursor.description, cursor.rowcount, cursor.lastrowid, rows)
    finally:
        cursor.close()


class _OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor makes four hand-offs to the driver thread per statement (cursor,
    execute, fetchall, close), each a thread wake-up and an event-loop wake-up: on a busy 2-core
    machine most of a small command's time. This one makes one (``_run_statement``)."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Ran()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(operation, seq_of_parameters, True)

    async def _run(self, operation: Any, parameters: Any, many: bool) -> None:
        driver = self._connection
        turns = TURNS.get(driver)
        if turns is not None and writes(operation, many):
            await turns.take(driver)  # held until this connection commits or rolls back
        async with self._adapt_connection._execute_mutex:
            ran = await driver._execute(_run_statement, driver._conn, operation, parameters, many)
        self._cursor = ran
        self._rows = collections.deque(ran.rows)


class _OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """One hand-off per statement, and none to end a transaction that never began: pysqlite opens
    one only before a write, so after reads alone ``COMMIT``/``ROLLBACK`` have nothing to do."""

    __slots__ = ()
    _cursor_cls = _OneHopCursor

    def commit(self) -> None:
        try:
            if self._connection._conn.in_transaction:
                super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            if self._connection._conn.in_transaction:
                super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()

    def _give_back(self) -> None:
        turns = TURNS.get(self._connection)
        if turns is not None:
            turns.give_back(self._connection)


async def read_rows(uow: InSession, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """Run a hot read for a unit of work. While it has not written, apart from its transaction
    (``Database.read``: on SQLite in the loop's own thread, on PostgreSQL in autocommit, without the
    round trips that begin and end a transaction — what it sees is the last commit either way, as a
    statement in a read-committed transaction does); once it has written, on its own connection, to
    see its own writes (one hop on SQLite, asyncpg's ``fetch`` inside its transaction on PostgreSQL).

    Rows are tuples in every case (no ORM bookkeeping per search).
    """
    if uow.database is not None and not uow.wrote:
        return await uow.database.read(statement, params)
    return await connection_rows(await uow.session.connection(), statement, params)


Model = TypeVar("Model", bound=SQLModel)


def model_columns(model: type[SQLModel]) -> list[Any]:
    """Every column of ``model``'s table, in table order: what ``untracked`` reads a row of."""
    return list(model.__table__.columns)  # type: ignore[attr-defined]


def untracked(model: type[Model], row: Sequence[Any]) -> Model:
    """A row of ``model_columns(model)`` (from ``read_rows``) as a ``model`` that no session tracks:
    the values as read, without validation (they come from the database: 15 us rather than the
    130 us of a validated construction). For commands that only read — such an object is never
    changed, added to a session or compared by identity with one the session loaded."""
    names = model.__table__.columns.keys()  # type: ignore[attr-defined]
    return cast(Model, model.model_construct(**dict(zip(names, row, strict=True))))


def direct_rows(reader: DirectReader, engine: Any, statement: Any,
                params: dict[str, Any] | None) -> list[Any] | None:
    """``statement``'s rows from the loop's own reader, or ``None`` when it cannot answer."""
    prepared = prepare(statement, engine.dialect)
    return reader.rows(prepared, params or {}) if prepared is not None else None


async def connection_rows(connection: AsyncConnection, statement: Any,
                          params: dict[str, Any] | None = None) -> list[Any]:
    """``read_rows`` on a connection of its own (``core.runtime.db.Database.read``), or a unit of
    work's (inside its transaction, seeing what it wrote)."""
    if connection.dialect.name != "sqlite" and connection.in_transaction():  # a unit of work's
        fast = postgres_reads.hot(statement, connection.dialect)
        found = await postgres_reads.connection_rows(connection, fast, params) if fast is not None else None
        if found is not None:
            return found
    prepared = prepare(statement, connection.dialect) if connection.dialect.name == "sqlite" else None
    driver = (await connection.get_raw_connection()).driver_connection if prepared else None
    if prepared is None or driver is None or not hasattr(driver, "execute_fetchall"):
        return [tuple(row) for row in (await connection.execute(statement, params or {})).all()]
    rows = await driver.execute_fetchall(prepared.sql, prepared.parameters(params or {}))
    return prepared.rows(list(rows))


async def warm(uow: InSession, statements: list[Any]) -> None:
    """Compile ``statements`` now, so no search later pays the ~10 ms of a first compile."""
    connection = await uow.session.connection()
    for statement in statements:
        if connection.dialect.name == "sqlite":
            prepare(statement, connection.dialect)
        else:
            postgres_reads.warm(statement, connection.dialect)
