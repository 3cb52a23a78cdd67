"""What statistics bring to the registry: ``stats``, the hourly clean-up of charts nobody fetched, and
the weekly digest (the job that writes it to the outbox, the renderer that words it at send time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.stats import commands, digest, digest_message, images

if TYPE_CHECKING:
    from core.registry import Registry
    from core.services import Services

PRUNE_SECONDS = 3600.0


async def prune_charts(services: Services) -> int:
    return await images.prune(services.db, services.clock.now())


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_job("stats.charts", PRUNE_SECONDS, prune_charts, leader_only=True)
    registry.add_job("stats.digest", digest.JOB_SECONDS, digest.enqueue_due, leader_only=True)
    registry.add_renderer(digest.PURPOSE, digest_message.render)
