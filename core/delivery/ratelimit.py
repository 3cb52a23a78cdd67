"""Client-side pacing: token buckets per platform and workspace/tenant (and optionally per channel).

Slack allows ``chat.postMessage`` about one message per second per channel within a workspace-wide
limit of a few hundred per minute; Teams about 50 (older docs: 30) requests per second per app and
tenant, 7 per second per conversation. Sending as fast as possible and backing off on HTTP 429 would
make 429s the pacing mechanism — the platforms penalise that, and every 429 costs a round trip and
a delay. So the dispatcher takes a token before each send; the bucket refills at the configured rate
and allows a short burst. When the platform still answers "retry after N s", ``pause`` stops the
whole bucket for N s, so the other sends queued behind it wait too instead of each earning its own 429.
A send never waits longer than its claim allows: the dispatcher gives ``acquire`` a budget and, when
the wait would exceed it (a long ``Retry-After``), puts the row back in the outbox for ``delay()``.

Each process has its own buckets here; on PostgreSQL, ``core.delivery.sharedpace`` keeps them in the
database instead, shared by every dispatching process, behind the same interface.

Time comes from injectable ``now``/``sleep`` (monotonic seconds), so tests need not wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from core.settings import SchedulerSettings

EPSILON = 1e-9
Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Rate:
    """``per_second`` sustained, up to ``burst`` at once after a quiet period."""

    per_second: float
    burst: float = 1.0

    @classmethod
    def per_minute(cls, count: float, burst: float | None = None) -> Rate:
        return cls(count / 60.0, burst if burst is not None else max(1.0, count / 60.0))


def platform_rates(settings: SchedulerSettings) -> dict[str, Rate]:
    """The per workspace/tenant rates of ``[scheduler]``, each allowing a burst of one second's worth.

    Their defaults stay under the platforms' limits with a margin (PLATFORM_FACTS.md §4 and §13): Slack
    a few hundred messages/min per workspace, Teams 50 requests/s per app and tenant (30 in older docs;
    a first proactive message may cost a create-conversation call too).
    """
    return {
        "slack": Rate.per_minute(settings.slack_per_minute),
        "teams": Rate(float(settings.teams_per_second), burst=float(settings.teams_per_second)),
    }


DEFAULT_RATES: dict[str, Rate] = platform_rates(SchedulerSettings())
#: Per conversation: Slack's "one message per second per channel"; Teams allows a bot 7 sends per
#: second, 8 per 2 s, 60 per 30 s and 1800 per hour in one thread: 0.45/s with a burst of 5 stays
#: under all four (5 in 1 s, 5.9 in 2 s, 18.5 in 30 s, 1625 in an hour).
DEFAULT_CHANNEL_RATES: dict[str, Rate] = {
    "slack": Rate(1.0, burst=1),
    "teams": Rate(0.45, burst=5),
}


@dataclass
class TokenBucket:
    """An async token bucket; waiters are served in arrival order (one lock, FIFO)."""

    rate: Rate
    now: Now = time.monotonic
    sleep: Sleep = asyncio.sleep
    tokens: float = field(init=False)
    updated: float = field(init=False)
    paused_until: float = field(init=False, default=0.0)
    lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.tokens = self.rate.burst
        self.updated = self.now()

    def _refill(self, now: float) -> None:
        start = max(self.updated, self.paused_until)
        if now > start:
            self.tokens = min(self.rate.burst, self.tokens + (now - start) * self.rate.per_second)
        self.updated = max(now, self.updated)

    def _wait_time(self) -> float:
        now = self.now()
        if now < self.paused_until:
            return self.paused_until - now
        self._refill(now)
        if self.tokens >= 1.0 - EPSILON:  # float sums of refills land a hair below 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate.per_second

    async def acquire(self, budget: float | None = None) -> bool:
        """Take one token, waiting as long as needed — or, given a ``budget`` in seconds, give up as
        soon as the wait (queueing included) would go beyond it: ``False``, and no token taken."""
        started = self.now()
        async with self.lock:
            while (delay := self._wait_time()) > 0:
                if budget is not None and self.now() - started + delay > budget:
                    return False
                await self.sleep(delay)
            self.tokens = max(0.0, self.tokens - 1.0)
        return True

    def delay(self) -> float:
        """Seconds until a token would be free, waiters ahead left aside."""
        return self._wait_time()

    def pause(self, seconds: float) -> None:
        """The platform said "retry after ``seconds``": no send until then, one send at that time, and
        then the steady rate again (no burst that would earn the next 429)."""
        now = self.now()
        self._refill(now)
        self.tokens = 1.0
        self.paused_until = max(self.paused_until, now + seconds)


class RateLimiter:
    """Buckets per (platform, tenant), and per (platform, tenant, channel) where a channel rate is set.

    A platform without a configured rate is not paced (the console, test fakes).
    """

    def __init__(self, rates: Mapping[str, Rate] | None = None, *,
                 channel_rates: Mapping[str, Rate] | None = None,
                 now: Now = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.rates = dict(DEFAULT_RATES if rates is None else rates)
        self.channel_rates = dict(DEFAULT_CHANNEL_RATES if channel_rates is None else channel_rates)
        self._now = now
        self._sleep = sleep
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}

    @classmethod
    def unlimited(cls) -> RateLimiter:
        return cls({}, channel_rates={})

    def _bucket(self, key: tuple[str, ...], rate: Rate | None) -> TokenBucket | None:
        if rate is None:
            return None
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, now=self._now, sleep=self._sleep)
        return bucket

    def _buckets_for(self, platform: str, tenant: str, channel: str | None) -> list[TokenBucket]:
        buckets = [self._bucket((platform, tenant), self.rates.get(platform))]
        if channel is not None:
            buckets.append(self._bucket((platform, tenant, channel), self.channel_rates.get(platform)))
        return [bucket for bucket in buckets if bucket is not None]

    async def acquire(self, platform: str, tenant: str, channel: str | None = None, *,
                      budget: float | None = None) -> bool:
        """Wait for a send slot in the workspace (and the channel, for channel posts); with a
        ``budget`` in seconds, ``False`` as soon as the wait would go beyond it."""
        started = self._now()
        for bucket in reversed(self._buckets_for(platform, tenant, channel)):
            left = None if budget is None else budget - (self._now() - started)
            if not await bucket.acquire(left):
                return False
        return True

    def delay(self, platform: str, tenant: str, channel: str | None = None) -> float:
        """Seconds until the workspace (and the channel) would allow a send: after a long
        ``Retry-After``, how long a row released by the dispatcher should stay in the outbox."""
        return max((bucket.delay() for bucket in self._buckets_for(platform, tenant, channel)), default=0.0)

    async def pause(self, platform: str, tenant: str, seconds: float, channel: str | None = None) -> None:
        """Honour a server ``Retry-After`` for the whole workspace (and the channel); async because the
        shared limiter (``core.delivery.sharedpace``) writes it to the database."""
        for bucket in self._buckets_for(platform, tenant, channel):
            bucket.pause(seconds)
