"""Rows kept in memory and written in batches after the replies: what the activity log
(``core.runtime.activity_log``) and the search misses (``core.directory.misses``) share.

Why: a statistic that every command may leave (an activity event, a search that found nobody) would
otherwise cost each command a write transaction of its own, or statements inside its write — on
SQLite inside the one write turn every other writer waits for. Buffered here, they cost an append;
one background task writes all that gathered in one transaction, ``linger`` seconds after the first,
or at once past ``max_buffered``.

Trade-offs, on purpose: a row reaches the database up to ``linger`` seconds after its command; a
reader that must see the rows of a moment ago (``stats``, ``expert misses``, tests) calls ``flush``
first; the owner flushes on dispose, so only a killed process loses the last fraction of a second.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from core.runtime.db import Database

Item = TypeVar("Item")
Buffer = TypeVar("Buffer", bound="WriteBehind[Any]")


class WriteBehind(Generic[Item]):
    """A buffer of items and the one background task that writes them (``_write``, per subclass).

    One write at a time: items added while a batch is being written wait for the next one (started at
    once when ``max_buffered`` are waiting, else ``linger`` seconds later), so a busy server writes a
    few large batches a second rather than a transaction per item.
    """

    def __init__(self, linger: float, max_buffered: int) -> None:
        self.linger = linger
        self.max_buffered = max_buffered
        self._items: list[Item] = []
        self._timer: asyncio.TimerHandle | None = None
        self._writer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def add(self, item: Item) -> None:
        """Keep ``item`` for the next batch (no I/O here)."""
        self._items.append(item)
        self._schedule()

    @property
    def pending(self) -> int:
        return len(self._items)

    async def _write(self, items: list[Item]) -> None:
        """Write one batch (in a transaction of its own); never raises for one bad item."""
        raise NotImplementedError

    def _schedule(self) -> None:
        """The next write: at once for a full batch, else ``linger`` seconds after the first item;
        none while one is under way (it schedules the next when it ends)."""
        if self._writer is not None or not self._items:
            return
        if len(self._items) >= self.max_buffered:
            self._start_write()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.linger, self._start_write)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _start_write(self) -> None:
        self._cancel_timer()
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write_batch())

    async def _write_batch(self) -> None:
        try:
            async with self._lock:
                items, self._items = self._items, []
                if items:
                    await self._write(items)
        finally:
            self._writer = None
            self._schedule()

    async def flush(self) -> None:
        """Write every buffered item now, after any write under way."""
        self._cancel_timer()
        async with self._lock:
            while self._items:
                items, self._items = self._items, []
                await self._write(items)
        self._cancel_timer()  # one a batch that ended meanwhile set: nothing is left for it


class PerDatabase(Generic[Buffer]):
    """One buffer of a kind per ``Database``, made on first use and flushed before its pool closes
    (``Database.before_dispose``): a process's tests and tools may hold several databases at once."""

    def __init__(self, make: Callable[[Database], Buffer]) -> None:
        self._make = make
        self._made: WeakKeyDictionary[Database, Buffer] = WeakKeyDictionary()

    def of(self, db: Database) -> Buffer:
        found = self._made.get(db)
        if found is None:
            found = self._made[db] = self._make(db)
            db.before_dispose(found.flush)
        return found
