"""The reply cache: a repeated read-only command is answered from memory, and any change shows.

The real router on a real database; a second ``Database`` on the same URL plays another process
(its commits are invisible to this process's cache, so only the time bound can reveal them).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import func, select

import core.commands.router as router_module
from core.commands import Actor, Invocation
from core.commands.router import CommandRouter
from core.directory.misses import miss_log
from core.messages import Reply
from core.ports import FakeClock
from core.runtime.activity_log import activity_log
from core.runtime.db import Database
from core.runtime.reply_cache import REPLY_TTL_SECONDS, ReplyCache, reply_cache
from core.schema import ActivityEvent, Group, SearchMiss
from tests.conftest import Chat

ANA, BOB = "ana@example.com", "bob@example.com"


async def warmed(chat: Chat, text: str) -> Reply:
    """The reply to ``text`` once it is in the cache (the first run reads, the second is a hit)."""
    await chat.say(text)
    return await chat.say(text)


async def test_a_repeat_is_the_same_reply_and_still_counts_as_activity(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    assert not (await ana.say("group create Data Science -- models")).error
    first = await warmed(ana, "group list")
    again = await ana.say("group   LIST")            # same words: same entry
    assert again is first and "Data Science" in again.text
    await activity_log(db).flush()
    async with db.uow() as uow:
        lists = (await uow.session.exec(select(func.count()).select_from(ActivityEvent))).one()
    assert lists == 4                                  # create + three lists, hits included


async def test_a_change_in_this_process_shows_at_once(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    assert not (await ana.say("group create Data Science")).error
    before = await warmed(bob, "group list")
    assert "Join" in {button.label for section in before.sections for button in section.buttons}
    assert not (await bob.say("group join data-science")).error
    after = await bob.say("group list")
    assert after is not before
    assert not [button for section in after.sections for button in section.buttons]


async def test_each_member_and_language_has_its_own_reply(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB, locale="fr-FR")
    assert not (await ana.say("group create Data Science")).error
    english, french = await warmed(ana, "group list"), await warmed(bob, "group list")
    assert english.title != french.title


async def test_another_process_change_shows_within_the_time_bound(
        chat, db: Database, database_url: str, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    assert not (await ana.say("group create Data Science")).error
    await warmed(ana, "group list")
    other = Database(database_url)                     # another process: its commit is not heard here
    try:
        async with other.uow() as uow:
            group = (await uow.session.exec(select(Group))).one()
            group.name = "Data Science Guild"
            uow.session.add(group)
            await uow.commit()
    finally:
        await other.dispose()
    assert "Guild" not in (await ana.say("group list")).text
    clock.advance(timedelta(seconds=REPLY_TTL_SECONDS + 1))
    assert "Data Science Guild" in (await ana.say("group list")).text


async def test_an_error_or_a_writing_command_is_not_cached(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    missing = await ana.say("group info nowhere")
    assert missing.error
    assert not (await ana.say("group create Nowhere")).error
    assert not (await ana.say("group info nowhere")).error


def test_a_reply_read_before_a_commit_is_not_kept() -> None:
    cache, now = ReplyCache(), FakeClock().now()
    key = ("group list", "group list", 1, "en", "UTC", frozenset({"member"}))
    generation = cache.generation
    cache.clear()                                      # a commit that wrote, during the read
    cache.put(key, Reply(text="old"), generation, now)
    assert cache.get(key, now) is None
    cache.put(key, Reply(text="new"), cache.generation, now)
    assert cache.get(key, now) == Reply(text="new")


async def test_activity_events_alone_do_not_empty_the_cache(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    assert not (await ana.say("expert add python")).error  # found: a miss would be counted, not kept
    first = await warmed(ana, "expert find python")
    await activity_log(db).flush()                     # a batch insert of statistics
    assert await ana.say("expert find python") is first


async def test_a_shared_reply_serves_everyone_with_the_same_language_and_time_zone(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob, lea = chat(ANA), chat(BOB), chat("lea@example.com", locale="fr-FR")
    assert not (await lea.say("expert add python")).error
    await bob.say("help")                              # Bob's first command writes his member row
    first = await warmed(ana, "expert find python")
    assert "python" in first.text.lower()
    assert await bob.say("expert find python") is first
    french = await lea.say("expert find python")
    assert french is not first and french.title != first.title


def from_memory(router: CommandRouter, invocation: Invocation) -> Reply | None:
    """What an adapter gets without awaiting anything: the prepared request's remembered reply."""
    prepared = router.prepare(invocation)
    return router.remembered(prepared) if prepared is not None else None


async def test_a_prepared_command_runs_without_matching_or_resolving_again(  # type: ignore[no-untyped-def]
        chat, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command enters the core once: what ``prepare`` found (member, grammar match, cache key) is
    what ``run`` uses, for a miss of the memory path as for a write or a grammar error."""
    ana = chat(ANA)
    router = ana.router
    assert not (await ana.say("group create Data Science")).error
    assert not (await ana.say("help")).error                        # Ana is now in the actor cache
    matched: list[str] = []
    resolved: list[object] = []
    real_match, real_resolve = router_module.match, router_module.directory.resolve

    def counting_match(registry, text):  # type: ignore[no-untyped-def]
        matched.append(text)
        return real_match(registry, text)

    async def counting_resolve(services, actor):  # type: ignore[no-untyped-def]
        resolved.append(actor)
        return await real_resolve(services, actor)

    monkeypatch.setattr(router_module, "match", counting_match)
    monkeypatch.setattr(router_module.directory, "resolve", counting_resolve)
    for text in ("group list", "expert add python", "grup list"):
        prepared = router.prepare(Invocation(actor=ana.actor, text=text))
        assert prepared is not None and router.remembered(prepared) is None
        reply = await router.run(prepared)
        assert reply.error == (text == "grup list")
    assert matched == ["group list", "expert add python", "grup list"]
    assert resolved == []


async def test_a_repeat_is_answered_from_memory_without_awaiting(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    router = ana.router
    assert not (await ana.say("group create Data Science")).error
    asked = Invocation(actor=ana.actor, text="group list")
    misses = reply_cache(db).misses
    assert from_memory(router, asked) is None            # never read: it must run
    assert reply_cache(db).misses == misses                     # counted once, by the run itself
    first = await warmed(ana, "group list")
    assert from_memory(router, asked) is first
    for not_from_memory in ("group create Other", "grup list", "help " + "x" * 5000):
        assert from_memory(router, Invocation(actor=ana.actor, text=not_from_memory)) is None
    stranger = Invocation(actor=Actor(platform="console", tenant="local", user_id="new@example.com"),
                          text="group list")
    assert from_memory(router, stranger) is None          # not resolved yet
    await activity_log(db).flush()
    async with db.uow() as uow:
        lists = (await uow.session.exec(select(func.count()).select_from(ActivityEvent).where(
            ActivityEvent.kind == "command"))).one()
    assert lists == 4                                            # create, two lists, one from memory


async def test_a_failed_refresh_logs_no_command_text(caplog: pytest.LogCaptureFixture) -> None:
    """The reply cache's key holds what the member typed: a failed background read must not log it."""
    cache, now = ReplyCache(), FakeClock().now()
    key = ("expert find", "expert find burnout of my manager", 1, "en", "UTC", frozenset({"member"}))
    cache.put(key, Reply(text="found"), cache.generation, now)

    async def failing() -> None:
        raise RuntimeError("database unavailable")

    caplog.set_level(logging.DEBUG)
    later = now + timedelta(seconds=REPLY_TTL_SECONDS * 0.95)
    assert cache.get(key, later, failing) == Reply(text="found")
    await cache.refresher.wait()
    logged = "\n".join(caplog.text.splitlines())
    assert "refresh" in logged and "database unavailable" in logged
    assert "burnout" not in logged and "expert find" not in logged


async def test_a_search_miss_is_counted_each_time_and_empties_no_kept_reply(  # type: ignore[no-untyped-def]
        chat, db: Database) -> None:
    ana, bob = chat(ANA), chat(BOB)
    await bob.say("help")                              # Bob's first command writes his member row
    first = await warmed(ana, "group list")
    for _ in range(2):
        assert "found no skill" in (await bob.say("expert find underwater basket weaving")).text
    assert await ana.say("group list") is first, "the miss's write changes no kept reply"
    await miss_log(db).flush()                         # misses are written in batches after the replies
    assert await ana.say("group list") is first, "nor does the batch that counts it"
    async with db.uow() as uow:
        assert (await uow.session.exec(select(SearchMiss.count))).all() == [2], "not answered from memory"
