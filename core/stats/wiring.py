"""What statistics bring to the registry: ``stats`` (its charts, when Teams fetches them by URL, are
kept by ``core.downloads``) and the weekly digest (the job that writes it to the outbox, the renderer
that words it at send time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.stats import commands, digest, digest_message

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_job("stats.digest", digest.JOB_SECONDS, digest.enqueue_due, leader_only=True)
    registry.add_renderer(digest.PURPOSE, digest_message.render)
