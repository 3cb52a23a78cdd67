"""What delivery brings to the registry: the ``outbox.dispatch`` job (the worker runs it as its own
dispatch loop, with the configured concurrency and interval)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.delivery import dispatcher

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_job("outbox.dispatch", 5.0, dispatcher.dispatch_due)
