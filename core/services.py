"""The process-wide services: database, clock, messengers, settings.

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

from core.ports import Clock, Messenger, SystemClock
from core.runtime.db import Database
from core.settings import Settings


@dataclass
class Services:
    """Process-wide dependencies, built once by ``bots/bootstrap.py``."""

    db: Database
    clock: Clock = field(default_factory=SystemClock)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)

    def messenger(self, platform: str) -> Messenger | None:
        return self.messengers.get(platform)
