"""PostgreSQL's fast path for hot reads: SQLAlchemy's SQL and conversions, without its execution path.

Why: a small indexed ``SELECT`` built once (who is behind a command, the group list, an expert
search) spends most of its time on asyncpg in SQLAlchemy Core rather than in PostgreSQL: the
statement's cache key, an execution context, the adapted cursor, result metadata, greenlet switches.
``read`` runs it straight on the pooled connection's asyncpg driver (``fetch``, with asyncpg's own
prepared-statement cache) instead.

What stays SQLAlchemy's, so the rows are the ones its own execution returns:

- the SQL, compiled once for the asyncpg dialect (``$n`` parameters with the casts it renders), and
  the parameters built by the compiled statement (``construct_params``), in its order, through its
  bind processors (JSON serialised, aware datetimes given to ``UTCDateTime``…);
- the result processors SQLAlchemy's cursor would choose, from the column types of the compiled
  statement and the type OIDs PostgreSQL reports (read once per statement, ``_resolve``);
- the adapted connection's own steps around a statement (its mutex, a ``BEGIN`` when a transaction
  is due, reloading type codecs after DDL, asyncpg errors translated to its DB-API errors), and the
  engine connection's error handling: a failure surfaces as the ``sqlalchemy.exc.DBAPIError``
  subclass the code catches (``IntegrityError``, ``OperationalError``…), and a connection the
  server closed is invalidated, with the pool's older ones (``Connection._handle_dbapi_exception``).

The adapted connection's and the engine connection's steps are SQLAlchemy internals (underscored
names, stable since 2.0 and covered by ``tests/test_postgres_reads.py``). Any statement this does not
know how to run exactly — expanding ``IN`` parameters, literal-execute values, a schema translate
map, columns that do not match one to one — returns ``None`` from ``prepare`` and goes through
SQLAlchemy as before, as does a connection that is not in a state to run a statement at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from weakref import WeakSet

from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import greenlet_spawn

Processor = Callable[[Any], Any]


@dataclass(eq=False)
class Prepared:
    """A read compiled once for asyncpg: its SQL, how SQLAlchemy builds its parameters, and the
    types of its columns (their result processors once the column OIDs are known)."""

    sql: str
    compiled: Any
    positions: tuple[str, ...]
    binds: dict[str, Processor]
    types: tuple[Any, ...]
    #: one result processor per column (``None``: the value as asyncpg decodes it), once resolved
    results: tuple[Processor | None, ...] | None = field(default=None)
    #: PostgreSQL reported other columns than the compiled ones: read the usual way from then on
    mismatch: bool = False

    def parameters(self, params: dict[str, Any] | None) -> list[Any]:
        """The positional values SQLAlchemy would send (``DefaultExecutionContext._init_compiled``)."""
        values = self.compiled.construct_params(params or None, escape_names=False)
        binds = self.binds
        return [binds[key](values[key]) if key in binds else values[key] for key in self.positions]

    def rows(self, raw: list[Any]) -> list[Any]:
        """The rows as tuples, each value through its column's result processor (applied to ``None``
        too, as SQLAlchemy does: a processor decides what ``None`` becomes)."""
        results = self.results
        assert results is not None
        if not any(results):
            return [tuple(record) for record in raw]
        return [tuple(value if convert is None else convert(value)
                      for convert, value in zip(results, record, strict=True)) for record in raw]


#: statements read once already: a statement built once for its module is read many times, one built
#: afresh for each read (``identities.is_known``) is not, and compiling it each time would cost more
#: than SQLAlchemy's compiled cache — it goes the usual way
_SEEN: WeakSet[Any] = WeakSet()


def hot(statement: Any, dialect: Dialect) -> Prepared | None:
    """``prepare(statement)`` for a statement read before (or ``warm``), else ``None`` (read the
    usual way, this once)."""
    if statement in _SEEN:
        return prepare(statement, dialect)
    _SEEN.add(statement)
    return None


def warm(statement: Any, dialect: Dialect) -> None:
    """Compile ``statement`` now: its first read, and every one after it, takes the fast path."""
    _SEEN.add(statement)
    prepare(statement, dialect)


@lru_cache(maxsize=256)
def prepare(statement: Any, dialect: Dialect) -> Prepared | None:
    """``statement`` compiled for ``dialect`` (asyncpg), or ``None`` when it needs SQLAlchemy's
    execution path: not a plain ``SELECT``, parameters expanded or rendered at execution time
    (``IN`` lists), escaped parameter names, columns SQLAlchemy would match by name."""
    if dialect.driver != "asyncpg" or not getattr(statement, "is_select", False):
        return None
    compiled = statement.compile(dialect=dialect)
    if (compiled.positiontup is None or compiled.post_compile_params or compiled.literal_execute_params
            or compiled.escaped_bind_names or compiled.schema_translate_map or statement._execution_options
            or not compiled._ordered_columns or compiled._textual_ordered_columns
            or compiled._ad_hoc_textual or not compiled._result_columns):
        return None
    types = tuple(entry[3] for entry in compiled._result_columns)
    return Prepared(compiled.string, compiled, tuple(compiled.positiontup), dict(compiled._bind_processors),
                    types)


def _resolve(prepared: Prepared, dialect: Dialect, oids: list[int]) -> bool:
    """Choose the result processors as SQLAlchemy's cursor does, from the column types and the OIDs
    PostgreSQL reports (``CursorResultMetaData``: positional, one column to one); ``False`` when the
    columns do not match one to one."""
    if len(oids) != len(prepared.types):
        prepared.mismatch = True
        return False
    prepared.results = tuple(type_._cached_result_processor(dialect, oid)
                             for type_, oid in zip(prepared.types, oids, strict=True))
    return True


async def _fetch(adapted: Any, prepared: Prepared, dialect: Dialect, args: list[Any]) -> list[Any] | None:
    """What SQLAlchemy's asyncpg cursor does for one statement (``_prepare_and_execute``), with
    asyncpg's ``fetch`` in place of its own prepared statement: ``None`` when the statement's columns
    do not match its compiled ones (read the usual way)."""
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        try:
            await adapted._check_type_cache_invalidation(dialect._invalidate_schema_cache_asof)  # type: ignore[attr-defined]
            driver = adapted._connection
            if prepared.results is None:  # the first run of this statement: its column types
                statement = await driver.prepare(prepared.sql)
                if not _resolve(prepared, dialect, [attribute.type.oid for attribute in
                                                     statement.get_attributes()]):
                    return None
                return list(await statement.fetch(*args))
            return list(await driver.fetch(prepared.sql, *args))
        except Exception as error:
            adapted._handle_exception(error)  # raises it as the adapter's DB-API error
            raise  # not reached


def _handle(sync: Connection, error: BaseException, sql: str, parameters: Any) -> None:
    """``Connection._handle_dbapi_exception``, in a greenlet, with ``error`` as the exception being
    handled (it reads ``sys.exc_info()``, which a new greenlet does not inherit)."""
    try:
        raise error
    except BaseException as raised:
        sync._handle_dbapi_exception(raised, sql, parameters, None, None)


async def _run(sync: Connection, prepared: Prepared, params: dict[str, Any] | None) -> list[Any] | None:
    """``prepared`` on the engine connection ``sync`` (not invalidated, ready for a statement), its
    failures handled as SQLAlchemy handles them."""
    dialect = sync.dialect
    adapted = sync.connection.dbapi_connection
    args: list[Any] | None = None
    try:
        args = prepared.parameters(params)
        raw = await _fetch(adapted, prepared, dialect, args)
    except BaseException as error:
        # SQLAlchemy's handling: the DBAPIError subclass (StatementError for a parameter it could not
        # convert), the connection (and the pool's older ones) invalidated when the server closed
        # it; a cancelled read's connection invalidated, as it may be mid-statement
        await greenlet_spawn(_handle, sync, error, prepared.sql, params if args is None else args)
        raise  # not reached
    return None if raw is None else prepared.rows(raw)


def ready(sync: Connection) -> bool:
    """Whether ``sync`` can run a statement at once, as SQLAlchemy would without first reconnecting
    or refusing (an invalidated connection, a transaction a failure left inactive) — otherwise the
    usual path says what SQLAlchemy says."""
    if sync.closed or sync.invalidated:
        return False
    transaction = sync.get_transaction()
    return transaction is None or transaction.is_active


async def connection_rows(connection: AsyncConnection, prepared: Prepared,
                          params: dict[str, Any] | None) -> list[Any] | None:
    """``prepared``'s rows on ``connection`` (a unit of work's, inside its transaction: what it
    wrote is seen), or ``None`` when they must be read the usual way."""
    sync = connection.sync_connection
    if prepared.mismatch or sync is None or not ready(sync) or not sync.in_transaction():
        return None
    return await _run(sync, prepared, params)


async def pooled_rows(engine: Engine, prepared: Prepared, params: dict[str, Any] | None) -> list[Any] | None:
    """``prepared``'s rows on a connection of ``engine``'s pool (``Database.read``: the autocommit
    reader), checked out and given back around it; ``None`` when they must be read the usual way."""
    if prepared.mismatch:
        return None
    # what ``engine.connect()`` does: the pool's checkout events (``core.runtime.db._refuse_closed``
    # among them: a connection the server closed is replaced), the engine's autocommit isolation
    sync = await greenlet_spawn(engine.connect)
    try:
        return await _run(sync, prepared, params)
    finally:
        await greenlet_spawn(sync.close)

