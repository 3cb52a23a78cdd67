"""A send pace shared by every dispatching process, through PostgreSQL (``rate_bucket``).

Every process dispatches the outbox (claims are ``SKIP LOCKED``), so per-process token buckets let
two processes send twice the configured rate and earn the 429s pacing is there to avoid. Here each
bucket is a row (``core.delivery.models.RateBucket``) that every process takes from with ONE
statement, so there is nothing to lock across round trips and no read-then-write race:

    INSERT … ON CONFLICT (key) DO UPDATE SET ready_at = GREATEST(ready_at, now) + 1/rate
    WHERE the wait it implies fits the caller's budget RETURNING that wait

The row keeps the "theoretical arrival time" of the generic cell rate algorithm (GCRA): a send is
allowed once ``ready_at - tolerance <= now``, where ``tolerance = (burst - 1)/rate`` lets a quiet
bucket send ``burst`` at once. A caller *reserves* its slot (moving ``ready_at`` one interval on) and
then sleeps the wait the statement returned, so concurrent callers of all processes are spaced
exactly ``1/rate`` apart without polling. ``ON CONFLICT DO UPDATE`` locks the row and re-reads its
latest committed version, which is what makes the statement atomic under concurrency
(``tests/test_shared_pace.py``). Time is the database's ``clock_timestamp()``: processes on hosts
whose clocks disagree still agree on the pace.

On SQLite there is one process (one writer), and ``pacing`` keeps the in-process ``RateLimiter``.
If the database fails while a send is being paced, the process falls back to its own buckets for
that send rather than dropping it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.delivery.ratelimit import Rate, RateLimiter, platform_rates
from core.settings import SchedulerSettings

if TYPE_CHECKING:
    from core.runtime.db import Database

log = logging.getLogger(__name__)

#: the database's clock, in epoch seconds, read once per statement
_NOW = "(SELECT extract(epoch FROM clock_timestamp())::float8 AS now) AS clock"

#: take one slot if its wait fits ``budget``; returns the wait (no row: refused, nothing taken)
TAKE = text(f"""
INSERT INTO rate_bucket AS b (key, ready_at, seen_at)
SELECT :key, clock.now + :interval, clock.now FROM {_NOW}
ON CONFLICT (key) DO UPDATE
   SET ready_at = GREATEST(b.ready_at, excluded.seen_at) + :interval, seen_at = excluded.seen_at
 WHERE b.ready_at - :tolerance - excluded.seen_at <= :budget
RETURNING GREATEST(0.0, ready_at - :interval - :tolerance - seen_at) AS wait
""")

#: the platform said "retry after N s": the next slot is N s from now, and then the steady rate
PAUSE = text(f"""
INSERT INTO rate_bucket AS b (key, ready_at, seen_at)
SELECT :key, clock.now + :seconds + :tolerance, clock.now FROM {_NOW}
ON CONFLICT (key) DO UPDATE
   SET ready_at = GREATEST(b.ready_at, excluded.ready_at), seen_at = excluded.seen_at
""")

#: how long until a slot would be free, reserving nothing
WAIT = text(f"""
SELECT GREATEST(0.0, b.ready_at - :tolerance - clock.now) FROM rate_bucket AS b, {_NOW}
 WHERE b.key = :key
""")

#: "no budget": any wait is accepted
UNBOUNDED = 1e12


def tolerance(rate: Rate) -> float:
    """Seconds of sends a quiet bucket may make at once: ``burst`` sends, the first one free."""
    return max(0.0, rate.burst - 1.0) / rate.per_second


class SharedRateLimiter(RateLimiter):
    """``RateLimiter``'s interface with its buckets in PostgreSQL, shared by every process on it.

    Keys are ``platform/tenant`` and, where the platform has a channel rate, ``platform/tenant/channel``
    (a channel's posts may be claimed by several processes too). Platforms without a rate are not
    paced, as with the per-process limiter.
    """

    def __init__(self, engine: AsyncEngine, rates: Mapping[str, Rate] | None = None, *,
                 channel_rates: Mapping[str, Rate] | None = None) -> None:
        super().__init__(rates, channel_rates=channel_rates)
        # one statement is its own transaction: no BEGIN/COMMIT round trips, no lock held longer
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        #: the wait found when a take was refused, for ``delay`` (asked right after a refusal)
        self._refused: dict[str, float] = {}
        #: this process's takes from one row go one at a time, in arrival order: dozens of sends in
        #: flight would otherwise hold as many pooled connections (opening overflow ones under load)
        #: only to queue on the row's lock in the database
        self._turns: dict[str, asyncio.Lock] = {}

    def _shared(self, platform: str, tenant: str, channel: str | None) -> list[tuple[str, Rate]]:
        keys: list[tuple[str, Rate]] = []
        if (rate := self.rates.get(platform)) is not None:
            keys.append((f"{platform}/{tenant}", rate))
        if channel is not None and (rate := self.channel_rates.get(platform)) is not None:
            keys.append((f"{platform}/{tenant}/{channel}", rate))
        return keys

    async def acquire(self, platform: str, tenant: str, channel: str | None = None, *,
                      budget: float | None = None) -> bool:
        """Reserve a slot in the channel's bucket, then the workspace's, sleeping until each; with a
        ``budget`` in seconds, ``False`` as soon as a wait would go beyond it."""
        deadline = None if budget is None else time.monotonic() + budget
        for key, rate in reversed(self._shared(platform, tenant, channel)):
            try:
                wait = await self._take(key, rate, deadline)
            except (SQLAlchemyError, OSError):
                log.warning("shared pace %s unavailable: this send is paced by this process alone", key,
                            exc_info=True)
                return await super().acquire(platform, tenant, channel, budget=budget)
            if wait is None:
                return False
            if wait > 0:
                await asyncio.sleep(wait)
        return True

    async def _take(self, key: str, rate: Rate, deadline: float | None) -> float | None:
        """The single statement, its budget what is left before ``deadline`` (``time.monotonic``)
        once this process's turn comes; on a refusal, also how long until a slot is free (for
        ``delay``)."""
        async with self._turns.setdefault(key, asyncio.Lock()), self._engine.connect() as conn:
            budget = UNBOUNDED if deadline is None else deadline - time.monotonic()
            params = {"key": key, "interval": 1.0 / rate.per_second, "tolerance": tolerance(rate),
                      "budget": budget}
            wait = (await conn.execute(TAKE, params)).scalar_one_or_none()
            if wait is None:
                found = (await conn.execute(WAIT, {"key": key, "tolerance": params["tolerance"]}))
                self._refused[key] = float(found.scalar_one_or_none() or 0.0)
                return None
        return float(wait)

    def delay(self, platform: str, tenant: str, channel: str | None = None) -> float:
        """Seconds until the workspace (and the channel) would allow a send, as found by the last
        refused ``acquire`` of this process."""
        keys = [key for key, _ in self._shared(platform, tenant, channel)]
        return max((self._refused.pop(key, 0.0) for key in keys), default=0.0)

    async def pause(self, platform: str, tenant: str, seconds: float, channel: str | None = None) -> None:
        """Honour a ``Retry-After`` in every process: the shared rows hold no slot before then."""
        try:
            async with self._engine.connect() as conn:
                for key, rate in self._shared(platform, tenant, channel):
                    await conn.execute(PAUSE, {"key": key, "seconds": seconds, "tolerance": tolerance(rate)})
        except (SQLAlchemyError, OSError):
            log.warning("shared pace unavailable: the pause holds in this process only", exc_info=True)
        await super().pause(platform, tenant, seconds, channel)


def pacing(db: Database, settings: SchedulerSettings) -> RateLimiter:
    """The limiter of a dispatching process: shared through the database on PostgreSQL (unless
    ``[scheduler] shared_pace = false``), per process on SQLite."""
    rates = platform_rates(settings)
    if db.dialect == "postgresql" and settings.shared_pace:
        return SharedRateLimiter(db.engine, rates)
    return RateLimiter(rates)
