"""Exactly-once handling of Events API deliveries.

Slack retries an event up to three times (at once, after 1 minute, after 5 minutes) and Bolt does not
de-duplicate. The first delivery claims the ``event_id`` with an insert into ``processed_event``; a
retry's insert hits the primary key and is dropped. If handling fails, the claim is released so a
later retry can do the work: nothing is lost, nothing is done twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from core.ports import Clock
from core.runtime.db import Database
from core.schema import ProcessedEvent

log = logging.getLogger(__name__)

PLATFORM = "slack"


class EventLedger:
    """Claims inbound event keys in the database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def claim(self, key: str) -> bool:
        """Whether this process is the first to see ``key`` (insert-or-ignore)."""
        try:
            async with self.db.uow() as uow:
                uow.session.add(ProcessedEvent(key=key, platform=PLATFORM, at=self.clock.now()))
                await uow.commit()
        except IntegrityError:
            return False
        return True

    async def release(self, key: str) -> None:
        """Forget a claim whose work failed, so Slack's next retry is handled."""
        async with self.db.uow() as uow:
            await uow.session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.key) == key))
            await uow.commit()

    async def once(self, key: str, work: Callable[[], Awaitable[None]]) -> bool:
        """Run ``work`` unless ``key`` was already handled; returns whether it ran."""
        if not await self.claim(key):
            log.info("slack event %s already handled: retry ignored", key)
            return False
        try:
            await work()
        except BaseException:
            await self.release(key)
            raise
        return True
