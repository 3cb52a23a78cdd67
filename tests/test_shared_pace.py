"""The send pace shared through PostgreSQL (``core.delivery.sharedpace``): several processes — here
several engines, each with its own connection pool, as separate processes have — taking from one row
never exceed its rate together, and the one statement that takes a slot is atomic under concurrency.
On SQLite the per-process limiter stays (the shared tests are skipped there)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from core.delivery.ratelimit import Rate, RateLimiter
from core.delivery.sharedpace import SharedRateLimiter, pacing
from core.runtime.db import Database
from core.settings import SchedulerSettings


@pytest.fixture
async def engines(db: Database, database_url: str, pg_url: str) -> AsyncIterator[list[Database]]:
    """The test database, and a second ``Database`` on it: two processes' pools."""
    if not pg_url:
        pytest.skip("the shared pace lives in PostgreSQL (PARVIS_TEST_DATABASE_URL is not set)")
    other = Database(database_url)
    yield [db, other]
    await other.dispose()


async def test_sqlite_keeps_the_per_process_limiter_and_postgresql_shares_it(db: Database) -> None:
    chosen = pacing(db, SchedulerSettings(slack_per_minute=120))
    assert chosen.rates["slack"] == Rate(2.0, burst=2.0)
    if db.dialect == "postgresql":
        assert isinstance(chosen, SharedRateLimiter)
        off = pacing(db, replace(SchedulerSettings(), shared_pace=False))
        assert type(off) is RateLimiter
    else:
        assert type(chosen) is RateLimiter


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of ``times`` falling within ``window`` seconds of one another."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_two_processes_sharing_a_row_never_exceed_its_rate(engines: list[Database]) -> None:
    rate = Rate(20.0, burst=3)
    limiters = [SharedRateLimiter(database.engine, {"slack": rate}, channel_rates={}) for database in engines]
    granted: list[float] = []
    deadline = time.monotonic() + 2.0

    async def sender(limiter: SharedRateLimiter) -> None:
        while time.monotonic() < deadline:
            assert await limiter.acquire("slack", "T1")
            granted.append(time.monotonic())

    async with asyncio.TaskGroup() as senders:
        for limiter in limiters:
            for _ in range(8):  # each process has several sends in flight, as a dispatcher does
                senders.create_task(sender(limiter))
    elapsed = max(granted) - min(granted)
    # one process alone would take the whole rate; two per-process buckets would send twice it
    assert len(granted) <= rate.burst + rate.per_second * elapsed + 2
    assert len(granted) >= 0.8 * rate.per_second * elapsed  # and together they do use it
    for window in (0.25, 0.5, 1.0):  # never more than the burst plus the refill, whatever the window
        assert most_in_any_window(granted, window) <= rate.burst + rate.per_second * window + 1


async def test_the_single_statement_is_atomic_under_concurrency(engines: list[Database]) -> None:
    # a burst of 5 and no refill to speak of: exactly 5 of 60 simultaneous takes may pass at once
    rate = Rate(1 / 3600, burst=5)
    limiters = [SharedRateLimiter(database.engine, {"teams": rate}, channel_rates={}) for database in engines]
    results = await asyncio.gather(*(limiters[i % 2].acquire("teams", "tenant", budget=0.5)
                                     for i in range(60)))
    assert results.count(True) == 5
    # a refused take reserved nothing: the next one still waits for the sixth slot, about an hour
    assert await limiters[0].acquire("teams", "tenant", budget=0.5) is False
    assert 3500 < limiters[0].delay("teams", "tenant") <= 3600


async def test_a_retry_after_pauses_every_process(engines: list[Database]) -> None:
    rate = Rate(100.0, burst=10)
    first, second = (SharedRateLimiter(database.engine, {"slack": rate}, channel_rates={})
                     for database in engines)
    assert await first.acquire("slack", "T9", budget=0)
    await first.pause("slack", "T9", 30.0)
    assert await second.acquire("slack", "T9", budget=1.0) is False
    assert 29 < second.delay("slack", "T9") <= 30
    assert await second.acquire("slack", "T8", budget=0)  # another workspace is not held back


async def test_channels_have_their_own_shared_row(engines: list[Database]) -> None:
    limiters = [SharedRateLimiter(database.engine, {"slack": Rate(1000.0, burst=10)},
                                  channel_rates={"slack": Rate(1 / 60, burst=1)}) for database in engines]
    assert await limiters[0].acquire("slack", "T1", "C1", budget=0)
    # one post a minute (not a second: a loaded machine may take that long to open a connection)
    assert await limiters[1].acquire("slack", "T1", "C1", budget=0.5) is False
    assert await limiters[1].acquire("slack", "T1", "C2", budget=0)
