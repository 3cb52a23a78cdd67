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
from datetime import time

from core.ports import Clock, Messenger, SystemClock
from core.runtime.db import Database


@dataclass
class CoreSettings:
    """The settings the core reads; ``bots/config.py`` fills them from the TOML file."""

    default_locale: str = "en"
    answer_timeout_minutes: int = 240
    max_hops: int = 3
    #: ``[experts] working_hours``: the answer timeout counts only this daily window, Monday to
    #: Friday, in each expert's time zone (``core.experts.working_hours``); ``None``: every minute counts
    working_hours: tuple[time, time] | None = None


@dataclass
class Services:
    """Process-wide dependencies, built once by ``bots/bootstrap.py``."""

    db: Database
    clock: Clock = field(default_factory=SystemClock)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    settings: CoreSettings = field(default_factory=CoreSettings)

    def messenger(self, platform: str) -> Messenger | None:
        return self.messengers.get(platform)
