"""The actor cache and the batched activity log: fast commands that still see every change.

Every test drives the real router on a real database; the cache's counters prove that the command
under test was answered from the cache (the invalidation, not a miss, is what is being tested).
"""

from __future__ import annotations

import asyncio
import time

from sqlmodel import select

from core.commands import Actor, Invocation
from core.commands.router import CommandRouter
from core.directory.members import find_by_email, resolve_actor
from core.runtime.activity_log import activity_log
from core.runtime.actor_cache import actor_cache
from core.runtime.db import Database
from core.schema import ActivityEvent, Identity, Member
from tests.conftest import Chat, give_role

ADMIN, BOB = "root@example.com", "bob@example.com"


async def known(chat: Chat) -> None:
    """Two commands: the first creates the identity, the second leaves the actor in the cache."""
    await chat.say("help")
    await chat.say("help")


async def test_a_repeated_command_is_resolved_from_the_cache(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    bob = chat(BOB)
    await known(bob)
    cache = actor_cache(db)
    hits = cache.hits
    assert not (await bob.say("group list")).error
    assert cache.hits == hits + 1


async def test_a_revoked_role_takes_effect_on_the_next_command(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    admin, bob = chat(ADMIN), chat(BOB)
    await known(admin)
    await known(bob)
    await give_role(db, ADMIN, "admin")
    assert not (await admin.say(f"role grant admin {BOB}")).error
    await bob.say("help")                                  # Bob, now admin, is in the cache
    granted = await bob.say("role grant animator root@example.com")
    assert not granted.error, granted.text
    cached = actor_cache(db).get(bob.actor)
    assert cached is not None and "admin" in cached.roles   # Bob's next command would be a hit
    assert not (await admin.say(f"role revoke admin {BOB}")).error
    assert actor_cache(db).get(bob.actor) is None           # the revoke's commit forgot him
    refused = await bob.say("role grant moderator root@example.com")
    assert refused.error and "administrators" in refused.text.lower()


async def test_a_language_change_applies_to_the_next_reply(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    bob = chat(BOB, locale="en-US")
    await known(bob)
    english = await bob.say("help")
    assert not (await bob.say("lang fr")).error
    french = await bob.say("help")
    assert french.text != english.text and french.title != english.title
    async with db.uow() as uow:
        member = await find_by_email(uow, BOB)
    assert member is not None and member.locale == "fr" and member.locale_chosen


async def test_a_platform_locale_change_refreshes_without_overriding_a_chosen_language(
        router: CommandRouter, db: Database) -> None:
    ana = Actor(platform="slack", tenant="T1", user_id="U1", email="ana@example.com", locale="en-US")
    for _ in range(2):
        await router.handle(Invocation(actor=ana, text="help"))
    moved = Actor(platform="slack", tenant="T1", user_id="U1", email="ana@example.com", locale="fr-FR")
    member, _ = await resolve_actor(router.services, moved)   # same user, new Slack profile: not a hit
    assert member.locale == "fr"
    await router.handle(Invocation(actor=moved, text="lang en"))
    member, _ = await resolve_actor(router.services, moved)
    assert member.locale == "en"                               # the chosen language wins over Slack's


async def test_a_new_platform_identity_joins_the_member_by_email(router: CommandRouter, db: Database) -> None:
    teams = Actor(platform="teams", tenant="tid", user_id="29:bob", email="Bob@Example.com")
    slack = Actor(platform="slack", tenant="T1", user_id="UBOB", email="bob@example.com")
    for _ in range(2):
        await router.handle(Invocation(actor=teams, text="help"))
    first, _ = await resolve_actor(router.services, teams)
    joined, _ = await resolve_actor(router.services, slack)
    assert joined.id == first.id
    async with db.uow() as uow:
        identities = (await uow.session.exec(select(Identity).where(Identity.member_id == first.id))).all()
        members = (await uow.session.exec(select(Member))).all()
    assert {(row.platform, row.user_id) for row in identities} == {("teams", "29:bob"), ("slack", "UBOB")}
    assert len(members) == 1


async def test_first_commands_of_a_new_person_at_once_make_one_member(router: CommandRouter,
                                                                      db: Database) -> None:
    who = Actor(platform="slack", tenant="T1", user_id="UNEW", email="new@example.com")
    replies = await asyncio.gather(*(router.handle(Invocation(actor=who, text="help")) for _ in range(5)))
    assert not any(reply.error for reply in replies)
    async with db.uow() as uow:
        assert len((await uow.session.exec(select(Member))).all()) == 1
        assert len((await uow.session.exec(select(Identity))).all()) == 1


async def test_another_process_change_is_seen_within_the_ttl(chat, db: Database, database_url: str) -> None:  # type: ignore[no-untyped-def]
    bob = chat(BOB)
    await known(bob)
    cache = actor_cache(db)
    cache.ttl = 0.3
    cache.forget(None)
    await bob.say("help")                                   # cached again, with the short ttl
    assert cache.get(bob.actor) is not None
    other = Database(database_url)                          # another process: its commits are not heard here
    try:
        await give_role(other, BOB, "admin")
    finally:
        await other.dispose()
    stale = await bob.say("role grant animator root@example.com")
    assert stale.error                                      # within the ttl: still the old roles
    time.sleep(0.35)
    await chat(ADMIN).say("help")
    fresh = await bob.say("role grant animator root@example.com")
    assert not fresh.error, fresh.text                      # after the ttl: admin


async def test_a_resolution_that_raced_an_invalidation_is_not_kept(router: CommandRouter,
                                                                   db: Database) -> None:
    who = Actor(platform="slack", tenant="T1", user_id="U2", email="u2@example.com")
    await router.handle(Invocation(actor=who, text="help"))
    cache = actor_cache(db)
    member, roles = await resolve_actor(router.services, who)
    started = cache.generation
    cache.forget({member.id or 0})                          # a revoke committed meanwhile
    cache.put(who, member, roles, started)
    assert cache.get(who) is None


async def test_read_only_commands_are_counted_in_batches(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    bob = chat(BOB)
    await known(bob)
    await bob.say("group list")
    assert activity_log(db).pending >= 1                    # not written by the command itself
    await activity_log(db).flush()
    async with db.uow() as uow:
        names = [row.detail["name"] for row in (await uow.session.exec(select(ActivityEvent))).all()]
    assert sorted(names) == ["group list", "help", "help"]
    await bob.say("nonsense")                               # a refused command counts nothing
    await bob.say("help")
    await db.dispose()                                      # shutdown writes what is still buffered
    async with db.uow() as uow:
        assert len((await uow.session.exec(select(ActivityEvent))).all()) == 4


async def test_a_role_granted_by_a_directory_import_applies_at_once(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    import io

    from core.directory.importer import import_directory

    bob = chat(BOB)
    await known(bob)
    await chat(ADMIN).say("help")
    assert actor_cache(db).get(bob.actor) is not None
    csv = "email,name,title,department,location,timezone,locale,skills,roles\n" \
          f"{BOB},Bob,,,,,,,admin\n"
    report = await import_directory(db, io.StringIO(csv, newline=""))
    assert report.updated == 1
    assert actor_cache(db).get(bob.actor) is None
    granted = await bob.say(f"role grant animator {ADMIN}")
    assert not granted.error, granted.text
