"""Activity events of every command, written in batches after the reply.

Every command and click leaves an ``ActivityEvent`` (adoption statistics). A read-only command
(``help``, ``group list``, ``expert find``) would otherwise pay an INSERT and a write commit — on
SQLite, the one write lock every concurrent command queues for — only for this statistic, and a
command that writes (``group join``, ``expert add``) two more statements inside its write turn (the
event and its week). All these events go to the process's ``ActivityLog`` instead (``CommandRouter``
adds them once the command succeeded): it keeps them in memory for ``LINGER_SECONDS`` and writes all
that gathered in one transaction.

On SQLite that transaction is a single statement (``sqlite_rows``): the batch goes to SQLite as one
JSON array that ``json_each`` unpacks. An ``executemany`` would hand the interpreter lock back and
forth between the driver thread and the event loop twice per row, and on a busy server those
hand-offs cost more than the inserts themselves. PostgreSQL's driver runs in the event loop and
pipelines an ``executemany`` by itself.

Trade-offs, on purpose: an event is written up to ``LINGER_SECONDS`` after the command (statistics are
read in days and weeks); the log is flushed when the database is disposed (orderly shutdown of
``parvis serve``, the worker, the console), so only a killed process loses the last fraction of a
second of events. Code that reads ``ActivityEvent`` right after a command (tests, a future ``stats``)
calls ``await activity_log(db).flush()`` first.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Dialect

from core.activity import weeks
from core.activity.models import ActivityEvent
from core.runtime.db import Database
from core.runtime.write_behind import PerDatabase, WriteBehind

log = logging.getLogger(__name__)

LINGER_SECONDS = 0.25
#: beyond this many buffered events, a write starts at once
MAX_BUFFERED = 500

_LOGS: PerDatabase[ActivityLog] = PerDatabase(lambda db: ActivityLog(db))  # defined below
_TABLE = ActivityEvent.__table__  # type: ignore[attr-defined]
_COLUMNS = ("member_id", "kind", "platform", "at", "detail")
_SQLITE_BATCH = text(
    f"INSERT INTO {_TABLE.name} ({', '.join(_COLUMNS)}) SELECT "
    + ", ".join(f"json_extract(value, '$[{index}]')" for index in range(len(_COLUMNS)))
    + " FROM json_each(:rows)")


def sqlite_rows(rows: list[dict[str, Any]], dialect: Dialect) -> str:
    """The batch as the JSON array ``_SQLITE_BATCH`` unpacks, each value already in the form the
    column's own type stores on SQLite (so the rows read back exactly like ORM-written ones)."""
    processors = [_TABLE.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _COLUMNS]
    return json.dumps([[process(row[name]) if process else row[name]
                        for name, process in zip(_COLUMNS, processors, strict=True)] for row in rows])


def activity_log(db: Database) -> ActivityLog:
    """The activity log of ``db`` (one per ``Database``, created on first use)."""
    return _LOGS.of(db)


class ActivityLog(WriteBehind[dict[str, Any]]):
    """The activity rows of one database, written in batches (``core.runtime.write_behind``)."""

    def __init__(self, db: Database, linger: float = LINGER_SECONDS) -> None:
        super().__init__(linger, MAX_BUFFERED)
        self.db = db

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            await self._insert(rows)
        except Exception:
            # a member deleted in the meantime (foreign key) must not cost the whole batch
            log.warning("activity: writing %d events at once failed; writing them one by one", len(rows),
                        exc_info=True)
            for row in rows:
                try:
                    await self._insert([row])
                except Exception:
                    log.exception("activity: event %s for member %s dropped", row["kind"], row["member_id"])

    async def _insert(self, rows: list[dict[str, Any]]) -> None:
        async with self.db.uow() as uow:
            if self.db.dialect == "sqlite":
                batch = sqlite_rows(rows, self.db.engine.dialect)
                await uow.session.exec(_SQLITE_BATCH, params={"rows": batch})  # type: ignore[call-overload]
            else:
                await uow.session.exec(insert(_TABLE), params=rows)
            await weeks.record(uow, rows)  # the weekly roll-up, in the same transaction
            await uow.commit()
