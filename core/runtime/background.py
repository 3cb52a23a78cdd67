"""Work a server runs after a command's reply when it has no dispatching worker of its own.

``parvis serve`` with ``[scheduler] enabled = false`` (the worker in another process, or none) still
sends a command's freshly committed messages at once (``core.delivery.immediate.send_soon``), but as
a task held here rather than before the reply: the rows are committed already, so whatever becomes
of the task (a failed send, a stop mid-way) the outbox keeps them for a dispatcher to send or retry.
``holding`` is the server's lifetime of the holder; stopping waits for the tasks still running
(``stop_timeout``), so a SIGTERM does not cut a send in half. Without a holder (tests, the CLI) and
without a worker, ``send_soon`` sends before returning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any
from weakref import WeakValueDictionary

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

_HOLDERS: WeakValueDictionary[int, Background] = WeakValueDictionary()


class Background:
    """The after-reply tasks of one process's services, referenced until done, awaited at ``stop``."""

    def __init__(self, services: Services, stop_timeout: float = 30.0) -> None:
        self.services = services
        self.stop_timeout = stop_timeout
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        _HOLDERS[id(self.services)] = self

    async def stop(self) -> None:
        """Take no more work, then wait for the tasks still running (at most ``stop_timeout``)."""
        if _HOLDERS.get(id(self.services)) is self:
            del _HOLDERS[id(self.services)]
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.stop_timeout)

    def run(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        """Run ``work`` as a task ``stop`` waits for, its failure logged."""
        task = asyncio.create_task(self._logged(work, name), name=f"parvis-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(work: Coroutine[Any, Any, Any], name: str) -> None:
        try:
            await work
        except Exception:
            log.exception("background work %s failed", name)


def background_of(services: Services) -> Background | None:
    """The running holder of these services, if the server made one."""
    return _HOLDERS.get(id(services))


@asynccontextmanager
async def holding(services: Services, stop_timeout: float = 30.0) -> AsyncIterator[Background]:
    """A holder for as long as the block lasts; leaving it waits for the work still running."""
    held = Background(services, stop_timeout)
    held.start()
    try:
        yield held
    finally:
        await held.stop()
