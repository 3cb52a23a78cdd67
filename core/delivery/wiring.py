"""What delivery brings to the registry: the ``outbox.dispatch`` job (the worker runs it as its own
dispatch loop, with the configured concurrency and interval), and the admins' ``outbox failed|retry``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.delivery import commands, dispatcher
from core.settings import SchedulerSettings

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_job("outbox.dispatch", SchedulerSettings.dispatch_interval_seconds, dispatcher.dispatch_due)
    registry.add_handlers(commands.handlers)
