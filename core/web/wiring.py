"""What the web console brings to the registry: ``dashboard``, *Revoke*, and the hourly clean-up of
expired sign-in links and sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.web import commands, sessions

if TYPE_CHECKING:
    from core.registry import Registry
    from core.services import Services

PRUNE_SECONDS = 3600.0


async def prune(services: Services) -> int:
    return await sessions.prune(services.db, services.clock.now())


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_job("web.prune", PRUNE_SECONDS, prune, leader_only=True)
