"""A member is told when someone changes what they are (issue 19, part 7): a role granted or revoked,
an addition to a group, a group's ownership handed to them when its last owner leaves — each a direct
message through the outbox, in the recipient's language, through the console router and the real
database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.markup import plain
from core.ports import FakeClock, FakeMessenger
from core.runtime.db import Database
from tests.expert_support import directs, import_demo

ADMIN = "camille.durand@aurora.example"  # admin, French
GEORGE = "george.taylor@aurora.example"  # English
HUGO = "hugo.lefebvre@aurora.example"  # French
ANA = "ana.martin@aurora.example"


@pytest.fixture
async def demo(db: Database, clock: FakeClock) -> dict[str, int]:
    return await import_demo(db, clock)


async def private_group(chat) -> str:  # type: ignore[no-untyped-def]
    """Ana creates a private group; its slug (private slugs carry a random suffix)."""
    created = await chat(ANA, "en").say("group create Data guild --private")
    assert not created.error, created.text
    found = re.search(r"`([a-z0-9-]+)`", created.text)
    assert found, created.text
    return found.group(1)


def told(messenger: FakeMessenger, email: str) -> list[str]:
    return [plain(reply.text) for reply in directs(messenger, email)]


async def test_a_member_is_told_of_a_role_granted_then_revoked(  # type: ignore[no-untyped-def]
        chat, demo, messenger: FakeMessenger) -> None:
    granted = await chat(ADMIN, "en").say(f"role grant animator {GEORGE}")
    assert not granted.error, granted.text
    assert told(messenger, GEORGE) == [
        "Camille Durand gave you the role animator in Parvis. Type help to see what you can do now."]
    assert not (await chat(ADMIN, "en").say(f"role revoke animator {GEORGE}")).error
    assert told(messenger, GEORGE)[-1] == "Camille Durand took back your role animator in Parvis."
    assert not (await chat(ADMIN, "en").say(f"role grant animator {GEORGE}")).error
    assert len(told(messenger, GEORGE)) == 3, "granted again: told again"
    assert not (await chat(ADMIN, "en").say(f"role grant referent {HUGO}")).error
    assert told(messenger, HUGO)[-1].startswith("Camille Durand vous a donné le rôle referent"), \
        "in the recipient's language"
    refused = await chat(ADMIN, "en").say(f"role grant referent {HUGO}")
    assert refused.error and len(told(messenger, HUGO)) == 1, "nothing changed: nobody told"
    assert not told(messenger, ADMIN), "the admin is not told of what they did"


async def test_a_member_added_to_a_private_group_is_told(  # type: ignore[no-untyped-def]
        chat, demo, messenger: FakeMessenger) -> None:
    slug = await private_group(chat)
    assert not (await chat(ANA, "en").say(f"group add {slug} {GEORGE}")).error
    assert told(messenger, GEORGE)[-1] == (f"Ana Martin added you to the group Data guild ({slug}). "
                                           f"See it with group info {slug}; group leave {slug} "
                                           "takes you out.")
    assert not (await chat(ANA, "en").say(f"group add {slug} {HUGO}")).error
    assert "Ana Martin vous a ajouté au groupe Data guild" in told(messenger, HUGO)[-1]
    assert not told(messenger, ANA)


async def test_the_new_owner_is_told_when_the_last_owner_leaves(  # type: ignore[no-untyped-def]
        chat, demo, clock: FakeClock, messenger: FakeMessenger) -> None:
    slug = await private_group(chat)
    for member in (GEORGE, HUGO):  # George first: the longest-standing member inherits
        clock.advance(timedelta(minutes=1))
        await chat(ANA, "en").say(f"group add {slug} {member}")
    left = await chat(ANA, "en").say(f"group leave {slug}")
    assert not left.error and "George Taylor is now its owner" in plain(left.text), left.text
    assert "you are now its owner" in told(messenger, GEORGE)[-1], told(messenger, GEORGE)
    assert "Ana Martin left the group Data guild" in told(messenger, GEORGE)[-1]
    assert not any("propriétaire" in text for text in told(messenger, HUGO)), "only the heir is told"
    # the heir leaves in turn: the next one is told, in French
    await chat(GEORGE, "en").say(f"group leave {slug}")
    assert "vous en êtes désormais propriétaire" in told(messenger, HUGO)[-1]
