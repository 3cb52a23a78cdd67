"""``parvis …`` with every SQL statement and transaction counted per command (a diagnostic, not Parvis).

    python benchmarks/trace_server.py OUT.json serve --config parvis.toml

Runs the ``parvis`` command line as usual after installing SQLAlchemy engine listeners that count
statements, ``BEGIN``s and ``COMMIT``s, and the time spent in them, under the command being run
(``CommandRouter.run``, labelled like the benchmarks' reports: ``group list <query>`` when the
command has arguments that change what it reads); work started outside any command (the activity
log's batches, refresh-ahead of the caches, the scheduler) is counted under its own label. At exit
the counts are written to ``OUT.json`` as ``{label: {"runs", "statements", "begins", "commits",
"sql_ms"}}``; with ``PARVIS_TRACE_STATEMENTS=1`` in the environment, also how often each statement ran
per label, to ``OUT.json.statements`` (what a label's figures are made of). On PostgreSQL a ``BEGIN``
counted here is SQLAlchemy's: the stand-alone reads (``Database.read``) run in autocommit, so theirs
never reach the server. Reads that skip SQLAlchemy's execution (SQLite's ``sqlite_driver`` and
``sqlite_reader``, PostgreSQL's ``postgres_reads``) are counted by wrapping them.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from core.commands.router import CommandRouter  # noqa: E402
from core.runtime import db, postgres_reads, sqlite_driver  # noqa: E402
from core.runtime.activity_log import ActivityLog  # noqa: E402
from core.runtime.sqlite_reader import DirectReader  # noqa: E402
from core.runtime.sqlite_writes import WriteLock  # noqa: E402

#: commands whose arguments change what they read get their own label
WITH_ARGUMENTS = {"group list": "group list <query>", "help": "help <area>"}
LABEL: contextvars.ContextVar[str] = contextvars.ContextVar("label", default="outside commands")
COUNTS: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
#: with ``PARVIS_TRACE_STATEMENTS`` set: how often each statement ran, per label (``OUT.json.statements``)
STATEMENTS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
KEEP_STATEMENTS = bool(os.environ.get("PARVIS_TRACE_STATEMENTS"))


def label_of(request: Any) -> str:
    if request.found is None:
        return f"click {request.text}"
    command, args = request.found
    return WITH_ARGUMENTS.get(command.name, command.name) if args.tokens else command.name


def install() -> None:
    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info["parvis.trace.started"] = time.perf_counter()
        COUNTS[LABEL.get()]["statements"] += 1
        if KEEP_STATEMENTS:
            STATEMENTS[LABEL.get()][" ".join(statement.split())[:160]] += 1

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started = conn.info.pop("parvis.trace.started", None)
        if started is not None:
            COUNTS[LABEL.get()]["sql_ms"] += (time.perf_counter() - started) * 1000

    @event.listens_for(Engine, "begin")
    def begin(conn: Any) -> None:
        COUNTS[LABEL.get()]["begins"] += 1
        if KEEP_STATEMENTS:
            STATEMENTS[LABEL.get()]["BEGIN"] += 1

    @event.listens_for(Engine, "commit")
    def commit(conn: Any) -> None:
        COUNTS[LABEL.get()]["commits"] += 1

    run = CommandRouter.run

    async def traced_run(self: CommandRouter, request: Any, act: Any = None) -> Any:
        token = LABEL.set(label_of(request))
        COUNTS[LABEL.get()]["runs"] += 1
        try:
            return await run(self, request, act)
        finally:
            LABEL.reset(token)

    CommandRouter.run = traced_run  # type: ignore[method-assign]
    rows = sqlite_driver.connection_rows

    async def traced_rows(connection: Any, statement: Any, params: Any = None) -> Any:
        """SQLite's one-hop reads bypass the engine's events: counted here."""
        if connection.dialect.name == "sqlite":
            COUNTS[LABEL.get()]["statements"] += 1
        started = time.perf_counter()
        try:
            return await rows(connection, statement, params)
        finally:
            if connection.dialect.name == "sqlite":
                COUNTS[LABEL.get()]["sql_ms"] += (time.perf_counter() - started) * 1000

    sqlite_driver.connection_rows = traced_rows  # type: ignore[assignment]
    direct = DirectReader.rows

    def traced_direct(self: DirectReader, prepared: Any, params: Any) -> Any:
        """SQLite reads in the loop's own thread (``sqlite_reader``): counted here too."""
        COUNTS[LABEL.get()]["statements"] += 1
        started = time.perf_counter()
        try:
            return direct(self, prepared, params)
        finally:
            COUNTS[LABEL.get()]["sql_ms"] += (time.perf_counter() - started) * 1000

    DirectReader.rows = traced_direct  # type: ignore[method-assign]
    fetch = postgres_reads._fetch

    async def traced_fetch(adapted: Any, prepared: Any, dialect: Any, args: Any) -> Any:
        """PostgreSQL's reads straight on asyncpg (``postgres_reads``) bypass the engine's events too."""
        COUNTS[LABEL.get()]["statements"] += 1
        if KEEP_STATEMENTS:
            STATEMENTS[LABEL.get()][" ".join(prepared.sql.split())[:160]] += 1
        started = time.perf_counter()
        try:
            return await fetch(adapted, prepared, dialect, args)
        finally:
            COUNTS[LABEL.get()]["sql_ms"] += (time.perf_counter() - started) * 1000

    postgres_reads._fetch = traced_fetch  # type: ignore[assignment]
    take, give_back = WriteLock.take, WriteLock.give_back
    held: dict[int, tuple[str, float]] = {}

    async def traced_take(self: WriteLock, connection: Any) -> None:
        waited = time.perf_counter()
        already = self.owner is connection
        await take(self, connection)
        if not already:
            now = time.perf_counter()
            COUNTS[LABEL.get()]["write_wait_ms"] += (now - waited) * 1000
            held[id(connection)] = (LABEL.get(), now)

    def traced_give_back(self: WriteLock, connection: Any) -> None:
        if self.owner is connection and id(connection) in held:
            label, since = held.pop(id(connection))
            COUNTS[label]["write_held_ms"] += (time.perf_counter() - since) * 1000
        give_back(self, connection)

    WriteLock.take = traced_take  # type: ignore[method-assign]
    WriteLock.give_back = traced_give_back  # type: ignore[method-assign]
    db.connection_rows = traced_rows  # type: ignore[attr-defined]
    insert = ActivityLog._insert

    async def traced_insert(self: ActivityLog, rows: list[dict[str, Any]]) -> None:
        token = LABEL.set("activity log batch")
        try:
            await insert(self, rows)
        finally:
            LABEL.reset(token)

    ActivityLog._insert = traced_insert  # type: ignore[method-assign]


def main() -> int:
    out = Path(sys.argv[1])
    install()
    atexit.register(lambda: out.write_text(json.dumps(COUNTS, indent=1, sort_keys=True)))
    if KEEP_STATEMENTS:
        kept = out.with_name(out.name + ".statements")
        atexit.register(lambda: kept.write_text(json.dumps(STATEMENTS, indent=1, sort_keys=True)))
    from bots.cli import main as parvis

    return parvis(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
