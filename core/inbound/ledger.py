"""Exactly-once handling of inbound platform events that the platform retries.

A platform that does not hear back in time delivers the same event again (Slack: at once, after 1
minute, after 5 minutes, possibly to another process or after a restart). The first delivery claims
``<platform>:<event id>`` with an insert into ``processed_event``; a retry's insert hits the primary
key and is dropped. If handling fails, the claim is released so a later retry can do the work:
nothing is lost, nothing is done twice. Nothing here is specific to one platform: the adapter says
which platform and which id.

A claim is kept ``KEEP`` (a day) and then pruned by the ``inbound.prune`` job (``wiring.py``): Slack
stops retrying after five minutes, so a day is ample, and without pruning the table grew by one row
per event forever.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from core.inbound.models import ProcessedEvent

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

#: how long a handled event is remembered (Slack's last retry comes five minutes after the first try)
KEEP = timedelta(days=1)
#: how often the prune job runs
PRUNE_SECONDS = 3600.0


def key_of(platform: str, event_id: str) -> str:
    """The ledger's key: event ids are only unique within a platform."""
    return f"{platform}:{event_id}"


async def first_time(services: Services, platform: str, event_id: str) -> bool:
    """Whether this process is the first to see the event (insert-or-ignore); a ``True`` is a claim."""
    try:
        async with services.db.uow() as uow:
            uow.session.add(ProcessedEvent(key=key_of(platform, event_id), platform=platform,
                                           at=services.clock.now()))
            await uow.commit()
    except IntegrityError:
        return False
    return True


async def forget(services: Services, platform: str, event_id: str) -> None:
    """Release a claim whose work failed, so the platform's next retry is handled."""
    async with services.db.uow() as uow:
        await uow.session.exec(delete(ProcessedEvent).where(
            col(ProcessedEvent.key) == key_of(platform, event_id)))
        await uow.commit()


async def once(services: Services, platform: str, event_id: str, work: Callable[[], Awaitable[None]]) -> bool:
    """Run ``work`` unless the event was already handled; returns whether it ran."""
    if not await first_time(services, platform, event_id):
        log.info("%s event %s already handled: retry ignored", platform, event_id)
        return False
    try:
        await work()
    except BaseException:
        await forget(services, platform, event_id)
        raise
    return True


async def prune(services: Services) -> int:
    """Forget events handled more than ``KEEP`` ago (the ``inbound.prune`` job); how many were."""
    async with services.db.uow() as uow:
        result = await uow.session.exec(delete(ProcessedEvent).where(
            col(ProcessedEvent.at) < services.clock.now() - KEEP))
        await uow.commit()
    pruned = int(result.rowcount or 0)
    if pruned:
        log.info("inbound ledger: %d handled event(s) older than %s forgotten", pruned, KEEP)
    return pruned
