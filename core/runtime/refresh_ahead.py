"""Refresh-ahead for the per-process caches: an entry in use is read again before it expires.

Why: the actor and reply caches bound their staleness with a time to live (changes made by other
processes). Without refresh-ahead every entry expires in the middle of traffic and the next request
pays a full database read; entries stored together (a burst of first commands, a restart) expire
together, and on a busy server that burst of reads is the slowest one per cent of acknowledgements.
With it, a hit on an entry past its *refresh point* (a random moment between ``REFRESH_FROM`` and
``REFRESH_UNTIL`` of its life, so that entries stored together are not refreshed together) is
served as usual and starts one background read that replaces the entry. The time to live is
unchanged: an entry is never served older than it; only entries nobody asks for run out.

Background reads are deduplicated per key and at most ``CONCURRENCY`` run at once, so a burst of
due entries becomes a trickle of reads between requests instead of a stall. A failed read is logged
and forgotten (the entry then simply expires).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

#: the refresh point lies between these fractions of an entry's time to live
REFRESH_FROM = 0.75
REFRESH_UNTIL = 0.9
#: background reads at once, per cache
CONCURRENCY = 2


def refresh_point(stored: float, ttl: float) -> float:
    """When an entry stored at ``stored`` (monotonic seconds) should be read again if used."""
    return stored + ttl * random.uniform(REFRESH_FROM, REFRESH_UNTIL)


class Refresher:
    """Runs background refreshes: one per key at a time, ``concurrency`` at once."""

    def __init__(self, concurrency: int = CONCURRENCY, name: str = "cache") -> None:
        self.concurrency = concurrency
        self.name = name
        self._slots: asyncio.Semaphore | None = None  # made in the running loop, on first use
        self._running: dict[Hashable, asyncio.Task[None]] = {}
        self.started = 0

    def start(self, key: Hashable, refresh: Callable[[], Awaitable[None]]) -> None:
        """Run ``refresh()`` in the background unless one for ``key`` is already under way."""
        if key in self._running:
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        self.started += 1
        task = asyncio.ensure_future(self._run(key, refresh, self._slots))
        self._running[key] = task
        task.add_done_callback(lambda _: self._running.pop(key, None))

    async def _run(self, key: Hashable, refresh: Callable[[], Awaitable[None]],
                   slots: asyncio.Semaphore) -> None:
        try:
            async with slots:
                await refresh()
        except Exception:  # the entry expires as it would have without refresh-ahead
            # not the key: the reply cache's holds the command text a member typed
            log.warning("%s: a background refresh failed; the entry will expire", self.name, exc_info=True)

    @property
    def running(self) -> int:
        return len(self._running)

    async def wait(self) -> None:
        """Until every refresh under way has ended (tests)."""
        while self._running:
            await asyncio.wait(list(self._running.values()))

    async def close(self) -> None:
        """Cancel what is under way (the database is about to close)."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)


K = TypeVar("K", bound=Hashable)
E = TypeVar("E")


class RefreshingCache(Generic[K, E]):
    """What the per-process caches share: a bounded LRU of entries living ``ttl`` seconds, the
    ``generation`` that every invalidation advances, hit and miss counts, and their ``Refresher``."""

    def __init__(self, ttl: float, size: int) -> None:
        self.ttl = ttl
        self.size = size
        self.generation = 0
        self._entries: OrderedDict[K, E] = OrderedDict()
        self.hits = self.misses = 0
        self.refresher = Refresher(name=type(self).__name__)

    def _keep(self, key: K, entry: E) -> None:
        """Store ``entry`` as the most recent, dropping the least recently stored beyond ``size``."""
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    @property
    def refreshes(self) -> int:
        return self.refresher.started

    async def close(self) -> None:
        await self.refresher.close()
