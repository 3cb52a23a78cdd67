"""Activity events of read-only commands, written in batches after the reply.

Every command and click leaves an ``ActivityEvent`` (adoption statistics). A command that writes
anyway records its event in its own transaction (``CommandRouter``); a read-only one (``help``,
``group list``, ``expert find``) would otherwise pay an INSERT and a write commit — on SQLite, the one
write lock every concurrent command queues for — only for this statistic. Those events go to the
process's ``ActivityLog`` instead: it keeps them in memory for ``LINGER_SECONDS`` and writes all that
gathered in one transaction (one ``executemany``).

Trade-offs, on purpose: an event is written up to ``LINGER_SECONDS`` after the command (statistics are
read in days and weeks); the log is flushed when the database is disposed (orderly shutdown of
``parvis serve``, the worker, the console), so only a killed process loses the last fraction of a
second of events. Code that reads ``ActivityEvent`` right after a command (tests, a future ``stats``)
calls ``await activity_log(db).flush()`` first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import insert

from core.db import Database
from core.models import ActivityEvent

log = logging.getLogger(__name__)

LINGER_SECONDS = 0.25
#: beyond this many buffered events, a write starts at once
MAX_BUFFERED = 500

_LOGS: WeakKeyDictionary[Database, ActivityLog] = WeakKeyDictionary()


def activity_log(db: Database) -> ActivityLog:
    """The activity log of ``db`` (one per ``Database``, created on first use)."""
    found = _LOGS.get(db)
    if found is None:
        found = _LOGS[db] = ActivityLog(db)
        db.before_dispose(found.flush)
    return found


class ActivityLog:
    """A buffer of activity rows and the background task that writes them."""

    def __init__(self, db: Database, linger: float = LINGER_SECONDS) -> None:
        self.db = db
        self.linger = linger
        self._rows: list[dict[str, Any]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writes: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()

    def add(self, row: dict[str, Any]) -> None:
        """Keep ``row`` (an ``ActivityEvent``'s values) for the next batch (no I/O here); a write is due
        ``linger`` seconds later."""
        self._rows.append(row)
        if len(self._rows) >= MAX_BUFFERED:
            self._start_write()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.linger, self._start_write)

    @property
    def pending(self) -> int:
        return len(self._rows)

    def _start_write(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        task = asyncio.ensure_future(self.flush())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def flush(self) -> None:
        """Write every buffered event now (in one transaction), after any write under way."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            rows, self._rows = self._rows, []
            if rows:
                await self._write(rows)

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
            await uow.session.exec(insert(ActivityEvent), params=rows)  # type: ignore[call-overload]
            await uow.commit()
