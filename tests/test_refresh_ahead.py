"""Refresh-ahead: an entry in use is read again in the background before it expires.

The ``Refresher`` alone (deduplication, bounded concurrency, failures, shutdown), then both caches
through the real router on a real database, where a second ``Database`` plays another process.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from core.ports import FakeClock
from core.runtime import actor_cache as actor_caches
from core.runtime import refresh_ahead
from core.runtime.actor_cache import actor_cache
from core.runtime.db import Database
from core.runtime.refresh_ahead import REFRESH_FROM, REFRESH_UNTIL, Refresher, refresh_point
from core.runtime.reply_cache import REPLY_TTL_SECONDS, reply_cache
from core.schema import Group
from tests.conftest import Chat, give_role

ANA = "ana@example.com"


def test_the_refresh_point_lies_inside_the_window_and_varies() -> None:
    points = {refresh_point(100.0, 10.0) for _ in range(50)}
    assert all(100 + 10 * REFRESH_FROM <= point <= 100 + 10 * REFRESH_UNTIL for point in points)
    assert len(points) > 1                              # entries stored together refresh apart


async def test_one_refresh_per_key_and_at_most_the_concurrency_at_once() -> None:
    refresher = Refresher(concurrency=2)
    running, most, calls = 0, 0, []
    gate = asyncio.Event()

    def work(key: str):  # type: ignore[no-untyped-def]
        async def refresh() -> None:
            nonlocal running, most
            calls.append(key)
            running += 1
            most = max(most, running)
            await gate.wait()
            running -= 1
        return refresh

    for key in ["a", "a", "b", "c", "d", "b"]:
        refresher.start(key, work(key))
    assert refresher.running == 4                       # a, b, c, d: the repeats were dropped
    await asyncio.sleep(0.01)
    assert most == 2 and len(calls) == 2               # two at once, the others wait their turn
    gate.set()
    await refresher.wait()
    assert sorted(calls) == ["a", "b", "c", "d"] and refresher.started == 4
    refresher.start("a", work("a"))                     # once ended, a key can be refreshed again
    await refresher.wait()
    assert calls.count("a") == 2


async def test_a_failed_refresh_is_logged_and_close_cancels_what_runs(
        caplog: pytest.LogCaptureFixture) -> None:
    refresher = Refresher()

    async def broken() -> None:
        raise RuntimeError("database gone")

    async def endless() -> None:
        await asyncio.sleep(3600)

    with caplog.at_level(logging.WARNING, logger=refresh_ahead.__name__):
        refresher.start("group list secret plans", broken)
        await refresher.wait()
    assert "cache: a background refresh failed" in caplog.text and "database gone" in caplog.text
    assert "secret plans" not in caplog.text, "the key (the reply cache's holds command text) is not logged"
    refresher.start("slow", endless)
    await asyncio.sleep(0)
    await refresher.close()
    assert refresher.running == 0


async def rename_elsewhere(database_url: str, name: str) -> None:
    """Another process renames the only group (its commit is not heard by this process)."""
    other = Database(database_url)
    try:
        async with other.uow() as uow:
            group = (await uow.session.exec(select(Group))).one()
            group.name = name
            uow.session.add(group)
            await uow.commit()
    finally:
        await other.dispose()


async def test_a_reply_in_use_is_refreshed_before_it_expires(
        chat, db: Database, database_url: str, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ana: Chat = chat(ANA)
    assert not (await ana.say("group create Data Science")).error
    await ana.say("group list")
    await ana.say("group list")                         # now cached
    await rename_elsewhere(database_url, "Data Science Guild")
    cache = reply_cache(db)
    clock.advance(timedelta(seconds=REPLY_TTL_SECONDS * REFRESH_FROM + 0.1))   # due, not expired
    misses = cache.misses
    served = await ana.say("group list")
    assert "Guild" not in served.text                   # served at once from the cache…
    await cache.refresher.wait()                        # …while it was read again in the background
    fresh = await ana.say("group list")
    assert "Data Science Guild" in fresh.text
    assert cache.misses == misses                       # no request waited for the database


async def test_an_actor_in_use_is_resolved_again_before_the_cache_expires(
        chat, db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(actor_caches, "refresh_point", lambda stored, ttl: stored)  # due at once
    bob: Chat = chat("bob@example.com")
    await bob.say("help")
    await bob.say("help")                               # the actor is cached
    other = Database(database_url)
    try:
        await give_role(other, "bob@example.com", "admin")
    finally:
        await other.dispose()
    cache = actor_cache(db)
    assert (await bob.say("role grant animator bob@example.com")).error   # still the cached roles
    await cache.refresher.wait()
    misses = cache.misses
    granted = await bob.say("role grant animator bob@example.com")
    assert not granted.error, granted.text
    assert cache.misses == misses
