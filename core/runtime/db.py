"""The one place that knows about engines and sessions.

``Database`` builds the async engine (SQLite tuned for concurrent commands, or PostgreSQL) and hands
out units of work. Nothing connects at import time: ``Database`` connects lazily on first use. A SQLite
database file is created readable and writable by its owner only (SQLite gives its ``-wal`` and
``-shm`` companions the same permissions): it holds everything, anonymous answers included.

Every session remembers the rows it wrote (ORM objects, and the tables of bulk statements); after a
commit, the listeners registered with ``Database.on_commit`` are told, which is how process caches
(``core/runtime/actor_cache.py``) learn that a role, a language or an identity changed without
each write site having to remember to say so. ``Database.before_dispose`` hooks run before the pool
closes (the activity log writes what it still holds).

A command whose one write is one statement may commit it on its own (on PostgreSQL in autocommit,
on SQLite in the loop's own thread)
(``UnitOfWork.write``): one round trip instead of ``BEGIN``, the statement and ``COMMIT``, with the
listeners told all the same.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.runtime import postgres_reads
from core.runtime.sqlite_driver import connection_rows, direct_rows, tune_sqlite
from core.runtime.sqlite_reader import DirectReader
from core.runtime.sqlite_statements import prepare
from core.runtime.sqlite_writer import DirectWriter
from core.runtime.sqlite_writes import ENGINE_TURNS, SQLITE_BUSY_TIMEOUT_MS, WriteLock

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite+aiosqlite:///parvis.db"


def is_sqlite(url: str) -> bool:
    """Whether the URL names a SQLite database (the embedded default)."""
    return make_url(url).get_backend_name() == "sqlite"


SQLITE_POOL_SIZE = 8


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names (relative to the working directory), or ``None`` for an in-memory
    database or a ``file:`` URI."""
    parsed = make_url(url)
    if not is_sqlite(url) or parsed.database in (None, "", ":memory:") or "uri" in parsed.query:
        return None
    assert parsed.database is not None
    return None if parsed.database.startswith("file:") else parsed.database


def create_private_file(path: str) -> None:
    """Create ``path``, empty and readable by its owner only (0600), unless it exists. SQLite then opens
    the empty file as a new database. Any other failure is left for SQLite to report in its words."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``, with SQLite's pragmas applied to every connection.

    ``hide_parameters``: a database error's message (which ends up in logs) shows the SQL without the
    values bound to it — they are what members typed: answers, questions, names, e-mail addresses."""
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        # a fixed pool: overflow connections would be opened and closed under load, each costing a
        # thread, a file open and the pragmas (SQLite writes one at a time anyway)
        if "poolclass" not in kwargs and make_url(url).database not in (None, "", ":memory:"):
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 0)
        engine = create_async_engine(url, **kwargs)
        if (path := sqlite_file(url)) is not None:
            event.listen(engine.sync_engine, "do_connect", lambda *_: create_private_file(path))
        writes = WriteLock()  # this engine's writers take turns (sqlite_driver.WriteLock)
        ENGINE_TURNS[engine.sync_engine] = writes
        event.listen(engine.sync_engine, "connect", lambda dbapi, record: tune_sqlite(dbapi, record, writes))
        return engine
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no connection the server has closed (PostgreSQL restarted, an administrator ended the
    session): the pool replaces it, as ``pool_pre_ping`` would, but without a round trip per
    checkout — the driver learnt of the closing when the server said so (asyncpg's ``is_closed``).
    A connection cut without a word from the server fails its command, which SQLAlchemy's pool then
    invalidates, with every older connection."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    closed = getattr(driver, "is_closed", None)
    if closed is not None and closed():
        raise DisconnectionError("the server closed this connection")


def metadata() -> MetaData:
    """Every table of the schema (``core.schema``), for migrations: Alembic compares against it, and
    nothing outside the core imports the tables themselves."""
    import core.schema  # noqa: F401  (registers every table on SQLModel.metadata)

    return SQLModel.metadata


@dataclass
class Written:
    """What one committed transaction wrote: ORM ``objects`` (new, changed or deleted, as they were
    flushed) and the table names of bulk ``INSERT``/``UPDATE``/``DELETE`` statements (``tables``;
    ``"*"`` when a statement's table is unknown)."""

    objects: list[Any] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)
    #: among ``objects``, the rows inserted and the rows deleted (the others were changed)
    created: list[Any] = field(default_factory=list)
    deleted: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.objects or self.tables)


CommitListener = Callable[[Written], None]


class ProcessCache(Protocol):
    """A per-process cache that the database's commits invalidate (see ``Database.cache``)."""

    hits: int
    misses: int

    @property
    def refreshes(self) -> int:
        """Entries read again ahead of their expiry (``core.runtime.refresh_ahead``)."""

    def written(self, written: Written) -> None: ...

    async def close(self) -> None:
        """Stop background work (refreshes) before the pool closes."""


CacheT = TypeVar("CacheT", bound=ProcessCache)
_WRITTEN = "parvis.written"
_DATABASE = "parvis.database"


class TrackedSession(Session):
    """The sync session behind every ``AsyncSession``: records its writes in ``info`` (see events)."""


@event.listens_for(TrackedSession, "after_flush")
def _remember_flush(session: Session, _context: Any) -> None:
    """The session's pre-flush new/dirty/deleted lists are still there in ``after_flush``."""
    written: Written = session.info.setdefault(_WRITTEN, Written())
    written.objects.extend(session.new)
    written.objects.extend(obj for obj in session.dirty if session.is_modified(obj))  # not mere touches
    written.objects.extend(session.deleted)
    written.created.extend(session.new)
    written.deleted.extend(session.deleted)


#: execution option of a bulk statement whose rows its caller tells the session itself
#: (``UnitOfWork.wrote_rows``): its table is then not recorded as written in bulk
ROWS_TOLD = "parvis.rows_told"


#: ``session.info`` key: the table a statement committed on its own wrote (``UnitOfWork.write``), until
#: the commit listeners are told
_ALONE = "parvis.alone"


def _table_of(statement: Any) -> str:
    return str(getattr(getattr(statement, "table", None), "name", "*"))


def _refuse_after_alone(session: OrmSession) -> None:
    """Nothing writes through a unit of work after a statement it committed on its own: that write
    could not be undone with it (``UnitOfWork.write``). A programming error, loud in tests."""
    if _ALONE in session.info:
        raise RuntimeError("a unit of work whose write committed on its own cannot write again")


@event.listens_for(TrackedSession, "before_flush")
def _flush_after_alone(session: Session, _context: Any, _instances: Any) -> None:
    _refuse_after_alone(session)


@event.listens_for(TrackedSession, "do_orm_execute")
def _remember_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    _refuse_after_alone(state.session)
    if not state.execution_options.get(ROWS_TOLD):
        written: Written = state.session.info.setdefault(_WRITTEN, Written())
        written.tables.add(_table_of(state.statement))


@event.listens_for(TrackedSession, "after_commit")
def _announce_commit(session: Session) -> None:
    """Tell the database's listeners what the committed transaction wrote (never raises)."""
    written: Written | None = session.info.pop(_WRITTEN, None)
    database: Database | None = session.info.get(_DATABASE)
    if written and database is not None:
        database.committed(written)


class UnitOfWork:
    """One transaction: ``async with db.uow() as uow: …; await uow.commit()``.

    Leaving the block without ``commit`` rolls back, so a failed command leaves nothing half-written.

    The session is made on first use: a command that reads only through ``Database.read`` (most
    read-only commands, from the loop's own SQLite reader or straight on asyncpg) never makes one —
    making and closing a session is about a tenth of a millisecond of CPU per command.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession], database: Database | None = None) -> None:
        self._factory = factory
        #: the ``Database`` it belongs to: its process caches (``Database.cache``), its reads apart
        #: from any transaction (``sqlite_driver.read_rows``)
        self.database = database
        self._alone_allowed = False  # ``may_write_alone``
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """This unit of work's session, made on first use."""
        if self._session is None:
            self._session = self._factory()
        return self._session

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tell_alone()  # committed on its own whether the command then failed or not
        # close() rolls back whatever was not committed and detaches the objects without expiring
        # them, so rows read inside the block stay readable after it (rollback() would expire them).
        if self._session is not None:
            await self._session.close()

    async def commit(self) -> None:
        self._tell_alone()
        if self._session is not None:
            await self._session.commit()

    def may_write_alone(self) -> None:
        """Said by a command that writes nothing after the service it calls next: that service's
        last write statement may commit on its own (``write``)."""
        self._alone_allowed = True

    async def write(self, statement: Any, params: dict[str, Any], last: bool = False) -> list[Any]:
        """The rows of one write statement (run with ``ROWS_TOLD``: its caller tells ``wrote_rows``).

        When it is the unit of work's one write — the command writes nothing after its service
        (``may_write_alone``), the service nothing after this statement if it writes (``last``), and
        nothing was read or written through the session — it commits on its own
        (``Database.write_alone``): on PostgreSQL in autocommit, one round trip instead of three
        (``BEGIN``, the statement, ``COMMIT``) and no transaction kept open across them; on SQLite in
        the loop's own thread, without the two hand-offs to the driver thread
        (``core.runtime.sqlite_writer``). Alone, the statement is atomic all the same. It must carry
        what the router would have checked before a commit (the member not erased, read within the
        statement: ``core.directory.erased.vouch``). The commit listeners are told what it wrote at
        ``commit``, or as the block ends if the command failed after it (it is committed either
        way); a later write through this unit of work is refused. In any other case, or when SQLite
        cannot take it at once (another process writes), it runs in the transaction as usual."""
        session = self.session
        alone = None
        if (last and self._alone_allowed and self.database is not None and not session.in_transaction()
                and not self.wrote):
            alone = await self.database.write_alone(statement, params)
        if alone is None:
            return list((await session.exec(statement, params=params)).all())
        rows, wrote = alone
        if wrote:
            session.sync_session.info[_ALONE] = _table_of(statement)
        return rows

    def _tell_alone(self) -> None:
        """Tell the commit listeners what a statement committed on its own wrote (``write``): the
        rows its caller told, else its whole table."""
        if self._session is None:
            return
        info = self._session.sync_session.info
        table = info.pop(_ALONE, None)
        if table is not None and self.database is not None:
            self.database.committed(info.pop(_WRITTEN, None) or Written(tables={table}))

    @property
    def dialect(self) -> str:
        """The session's database dialect (``sqlite``, ``postgresql``)."""
        if self.database is not None:
            return self.database.dialect
        bind = self.session.bind
        if bind is None:  # every session of ``Database.sessions`` is bound to its engine
            raise RuntimeError("the session is not bound to an engine")
        return bind.dialect.name

    @property
    def wrote(self) -> bool:
        """Whether this transaction has written anything, flushed or still pending."""
        session = self._session
        if session is None:
            return False
        info = session.sync_session.info
        return (bool(info.get(_WRITTEN)) or _ALONE in info or bool(session.new) or bool(session.deleted)
                or any(session.is_modified(obj) for obj in session.dirty))

    def wrote_rows(self, rows: list[Any], how: str = "created") -> None:
        """Record rows a Core statement (run with the ``ROWS_TOLD`` execution option) inserted
        (``created``), ``changed`` or ``deleted``, as if the ORM had flushed them: the commit listeners
        then follow them row by row (a group's member count adjusted in place) instead of dropping
        what a bulk write on the table may have changed."""
        written: Written = self.session.sync_session.info.setdefault(_WRITTEN, Written())
        written.objects.extend(rows)
        if how == "created":
            written.created.extend(rows)
        elif how == "deleted":
            written.deleted.extend(rows)

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str = DEFAULT_URL, **engine_kwargs: Any) -> None:
        self.url = url
        # Every table loaded, whatever the caller imported: their ORM events then act on every write
        # (a renamed member's sort key copied to their group memberships: ``core.groups.models``).
        metadata()
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False,
                                           sync_session_class=TrackedSession, info={_DATABASE: self})
        self._commit_listeners: list[CommitListener] = []
        self._before_dispose: list[Callable[[], Awaitable[None]]] = []
        self._caches: dict[type, ProcessCache] = {}
        self._reader = self.engine if is_sqlite(url) else self.engine.execution_options(
            isolation_level="AUTOCOMMIT")
        path = sqlite_file(url)
        self._direct = DirectReader(path) if path is not None else None
        #: SQLite's writes that are their own transaction, in the loop's thread (``write_alone``)
        self._writer = (DirectWriter(path, ENGINE_TURNS[self.engine.sync_engine])
                        if path is not None and self.engine.sync_engine in ENGINE_TURNS else None)
        #: PostgreSQL's connections for a write that is its own transaction (``write_alone``)
        self._autocommit = (None if is_sqlite(url)
                            else self.engine.execution_options(isolation_level="AUTOCOMMIT"))

    def on_commit(self, listener: CommitListener) -> None:
        """Call ``listener`` after every commit that wrote something, with what it wrote.

        It runs synchronously inside the commit (keep it cheap; it must not do I/O).
        """
        self._commit_listeners.append(listener)

    def committed(self, written: Written) -> None:
        for listener in self._commit_listeners:
            try:
                listener(written)
            except Exception:  # a cache's bug must not turn a committed command into an error
                log.exception("commit listener failed")

    def before_dispose(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook`` before the pool closes (flush what a buffer still holds)."""
        self._before_dispose.append(hook)

    def cache(self, kind: type[CacheT]) -> CacheT:
        """This database's one ``kind`` cache: made on first use, told of every commit from then on,
        closed and logging its hits and misses when the database is disposed."""
        found = self._caches.get(kind)
        if found is None:
            found = self._caches[kind] = kind()
            self.on_commit(found.written)
            cache = found

            async def report() -> None:
                await cache.close()
                log.info("%s: %d hits, %d misses, %d refreshed ahead", kind.__name__, cache.hits,
                         cache.misses, cache.refreshes)

            self.before_dispose(report)
        return found  # type: ignore[return-value]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def read(self, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
        """The rows (tuples) of one read-only statement, outside any unit of work.

        Why: a hot read that stands alone (who is behind a command, before its transaction) needs no
        session and no ORM objects; on SQLite it takes one hop to the driver thread
        (``sqlite_driver.connection_rows``), or none at all (``sqlite_reader``), on PostgreSQL it runs
        in autocommit, without the ``BEGIN`` and ``ROLLBACK`` round trips of a transaction (one
        statement sees one snapshot anyway), straight on the pooled connection's asyncpg driver when
        it can (``postgres_reads``)."""
        if self._direct is not None:
            rows = direct_rows(self._direct, self.engine, statement, params)
            if rows is not None:
                return rows
        elif (prepared := postgres_reads.hot(statement, self.engine.dialect)) is not None:
            found = await postgres_reads.pooled_rows(self._reader.sync_engine, prepared, params)
            if found is not None:
                return found
        async with self._reader.connect() as connection:
            return await connection_rows(connection, statement, params)

    async def write_alone(self, statement: Any, params: dict[str, Any]) -> tuple[list[Any], bool] | None:
        """One write statement committed on its own (``UnitOfWork.write``): its rows, and whether it
        wrote; ``None`` when it must run in a transaction instead.

        SQLite: in the loop's own thread in this process's write turn (``core.runtime.sqlite_writer``),
        unless another process's writer is at work or the statement fails (it then changed nothing).
        PostgreSQL: in autocommit; failed or cancelled, it may have been committed all the same (the
        server ran it, the answer was lost): its table is then told written, so that no cache keeps
        what it may have changed."""
        if self._writer is not None:
            prepared = prepare(statement, self.engine.dialect)
            return await self._writer.write(prepared, params) if prepared is not None else None
        if self._autocommit is None:
            return None
        try:
            async with self._autocommit.connect() as connection:
                result = await connection.execute(statement, params)
                rows = list(result.all())
        except BaseException:
            self.committed(Written(tables={_table_of(statement)}))
            raise
        return rows, bool(rows) or result.rowcount > 0

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self)

    async def ping(self) -> bool:
        """Whether the database answers (``/readyz``)."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        for hook in self._before_dispose:
            try:
                await hook()
            except Exception:
                log.exception("before-dispose hook failed")
        if self._direct is not None:
            self._direct.close()
        if self._writer is not None:
            self._writer.close()
        await self.engine.dispose()
