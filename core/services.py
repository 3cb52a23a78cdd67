"""The process-wide services: database, clock, messengers, settings, the outbox's renderers.

The service convention: a core service is a plain async function whose first argument is the
``UnitOfWork`` it runs in (``async def join(uow: UnitOfWork, ...)``); whatever else it needs from the
process comes as plain typed arguments (the current time ``now``, a settings or policy object, the
member acting), and what it must tell other people after the commit (routing notices, channel
invitations) it returns, for the caller to send once the transaction is saved: a handler queues it with
``ctx.after_commit``. Only entry points that open their own transactions take ``Services``: the
router, periodic jobs, start hooks, and the after-commit senders (``core.experts.routing.deliver``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.directory.tenancy import Tenancy
from core.ports import Clock, Messenger, SystemClock
from core.runtime.db import Database
from core.settings import Settings

if TYPE_CHECKING:
    from core.delivery.rendering import Renderers


@dataclass
class Services:
    """Process-wide dependencies, built once by ``bots/bootstrap.py``.

    ``renderers`` are those of the process's registry (``core.capabilities.build_registry()``): any
    handler or job may send rows at once (``core.delivery.immediate``), and the dispatcher renders them.
    The registry itself is not here: it holds the handlers and jobs, which take ``Services``, so it is
    handed to those that read it (``CommandRouter``, ``Worker``; handlers see it as ``ctx.registry``).
    ``renderers`` has no default: a process without them could send nothing, and should say so at once.
    ``tenancy`` is filled by the adapters as they are built and started (``core.directory.tenancy``)."""

    db: Database
    renderers: Renderers
    clock: Clock = field(default_factory=SystemClock)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    tenancy: Tenancy = field(default_factory=Tenancy)

    def messenger(self, platform: str) -> Messenger | None:
        return self.messengers.get(platform)
