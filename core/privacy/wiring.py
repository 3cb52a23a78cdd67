"""What privacy brings to the registry: ``privacy export``, ``privacy delete`` and its confirmation
button, and the retention job."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.privacy import commands, retention

if TYPE_CHECKING:
    from core.registry import Registry
    from core.services import Services

log = logging.getLogger(__name__)

#: how often the retention limits are enforced: hourly rather than daily, so that a process restarted
#: more often than once a day still enforces them; a run finds little to do but what passed a limit
RETENTION_SECONDS = 3600.0


async def enforce_retention(services: Services) -> retention.Pruned:
    async with services.db.uow() as uow:
        pruned = await retention.enforce(uow, services.clock.now(), services.settings.privacy)
        await uow.commit()
    if pruned != retention.Pruned():
        log.info("retention: %s", pruned)
    return pruned


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_job("privacy.retention", RETENTION_SECONDS, enforce_retention, leader_only=True)
