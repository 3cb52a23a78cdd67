"""SQLite's writers take turns within the process (``WriteLock``), installed by ``sqlite_driver``."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any
from weakref import WeakKeyDictionary

#: how long a connection waits for SQLite's write lock before "database is locked"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class WriteLock:
    """This process's turn to write to one SQLite database.

    SQLite lets one connection write at a time, from its first write to its commit; another one that
    wants to write meanwhile sleeps in SQLite's busy handler and tries again, sleeping longer each
    time (1, 2, 5… up to 100 ms). With a few concurrent writers that is a few milliseconds lost; with
    dozens (a burst of campaign answers, a busy hour) most of every write is spent asleep and
    throughput collapses. So within the process writers take turns on this lock instead, in order,
    from the first write statement of a transaction to its commit or rollback; SQLite's busy handler
    is then left to other processes (an import, a second ``parvis`` on the same file). A writer
    waits as long as SQLite would before giving up with "database is locked"."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: Any = None  # the aiosqlite connection holding the lock

    async def take(self, connection: Any) -> None:
        if self.owner is connection:
            return
        if self.free():  # taken at once, without the task and timer of ``wait_for``
            await self.lock.acquire()
            self.owner = connection
            return
        try:
            await asyncio.wait_for(self.lock.acquire(), SQLITE_BUSY_TIMEOUT_MS / 1000)
        except TimeoutError as exc:  # what SQLite says when its own wait for the lock runs out
            raise sqlite3.OperationalError("database is locked") from exc
        self.owner = connection

    def free(self) -> bool:
        """Whether no writer of this process holds the turn or waits for it."""
        return not self.lock.locked() and not getattr(self.lock, "_waiters", None)

    def give_back(self, connection: Any) -> None:
        if self.owner is connection:
            self.owner = None
            self.lock.release()


#: each aiosqlite connection's ``WriteLock``: the one of the engine that opened it
TURNS: WeakKeyDictionary[Any, WriteLock] = WeakKeyDictionary()
#: each SQLite engine's ``WriteLock`` (keyed by its sync engine), for the writes made apart from its
#: connections (``core.runtime.sqlite_writer``)
ENGINE_TURNS: WeakKeyDictionary[Any, WriteLock] = WeakKeyDictionary()
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def writes(operation: Any, many: bool) -> bool:
    """Whether a statement writes (and so takes the writers' turn)."""
    return many or str(operation).lstrip()[:6].upper() in _WRITES
