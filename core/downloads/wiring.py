"""What downloads bring to the registry: the hourly clean-up of files nobody fetched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.downloads import store

if TYPE_CHECKING:
    from core.registry import Registry
    from core.services import Services

PRUNE_SECONDS = 3600.0


async def prune(services: Services) -> int:
    return await store.prune(services.db, services.clock.now())


def register(registry: Registry) -> None:
    registry.add_job("downloads.prune", PRUNE_SECONDS, prune, leader_only=True)
