"""Asking for one's rights, and the bad requests: the confirmation step of ``privacy delete`` (button or
typed), deleting twice, exporting or writing for a member erased meanwhile by another process — each
a clear message, in English and in French."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from core.capabilities import build_registry
from core.commands import Invocation
from core.commands.router import CommandRouter
from core.messages import Reply
from core.runtime.db import Database
from core.schema import GroupMember, Member
from core.services import Services
from tests.campaign_support import ANA, BOB
from tests.conftest import TEST_SETTINGS, actor
from tests.privacy_support import member_id


async def test_privacy_delete_asks_first_and_the_button_erases(chat, db) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ana.say("group create Maps")
    asked = await ana.say("privacy delete")
    assert not asked.error and asked.title == "Erase your data?"
    assert "privacy export" in asked.text and "`privacy delete confirm`" in (asked.context or "")
    (button,) = asked.buttons
    assert button.style == "danger" and button.label == "Erase my data"
    async with db.uow() as uow:  # nothing erased by asking
        assert (await uow.session.exec(select(Member).where(Member.email == ANA))).first() is not None
    done = await ana.click(button.action_id, button.value)
    assert not done.error and "Your personal data is erased" in done.text
    again = await ana.click(button.action_id, button.value)  # the same button, clicked twice
    assert again.error and "already erased on March 2, 2026" in again.text
    assert "nothing left to erase" in again.text


async def test_deleting_twice_is_told_in_french(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA, "fr")
    asked = await ana.say("privacy delete")
    assert asked.title == "Effacer vos données ?" and asked.buttons[0].label == "Effacer mes données"
    done = await ana.click(asked.buttons[0].action_id, asked.buttons[0].value)
    assert "Vos données personnelles sont effacées" in done.text
    again = await ana.click(asked.buttons[0].action_id, asked.buttons[0].value)
    assert again.error and "Vos données ont déjà été effacées le 2 mars 2026" in again.text


async def test_a_confirmation_expires_and_belongs_to_one_member(chat, clock) -> None:  # type: ignore[no-untyped-def]
    asked = await chat(ANA).say("privacy delete")
    (button,) = asked.buttons
    someone = await chat(BOB).click(button.action_id, button.value)
    assert someone.error and someone.text == "This button was meant for someone else."
    clock.advance(timedelta(minutes=11))
    late = await chat(ANA).click(button.action_id, button.value)
    assert late.error and "expired" in late.text and "privacy delete" in late.text
    forged = await chat(ANA).click(button.action_id, "not-a-value")
    assert forged.error and "expired" in forged.text
    assert not (await chat(ANA).say("group create Still Here")).error, "nothing was erased"


async def test_a_wrong_word_after_privacy_delete_shows_the_usage(chat) -> None:  # type: ignore[no-untyped-def]
    reply = await chat(ANA).say("privacy delete everything")
    assert reply.error and "“everything”" in reply.text and "privacy delete [confirm]" in reply.text
    assert not (await chat(ANA).say("group create Still Here")).error


def other_process(db_url: str, services: Services) -> tuple[CommandRouter, Database]:
    """A second ``parvis serve`` on the same database: its own engine, caches and router."""
    database = Database(db_url)
    registry = build_registry()
    return CommandRouter(Services(db=database, renderers=registry, clock=services.clock,
                                  messengers=dict(services.messengers), settings=TEST_SETTINGS),
                         registry), database


async def say(router: CommandRouter, text: str, locale: str | None = None) -> Any:
    return await router.handle(Invocation(actor=actor(ANA, locale), text=text))


@pytest.mark.parametrize(("command", "told"), [
    ("privacy export",
     "Your data was erased on March 2, 2026: Parvis holds nothing more about you to export."),
    ("privacy delete confirm",
     "Your data was already erased on March 2, 2026: there is nothing left to erase."),
])
async def test_another_process_that_still_knows_her_refuses_clearly_then_forgets_her(  # type: ignore[no-untyped-def]
        chat, db, database_url, services, command: str, told: str) -> None:
    other, database = other_process(database_url, services)
    try:
        assert not (await say(other, "group create Maps")).error
        assert not (await say(other, "help")).error               # the other process now caches her
        before = await member_id(db, ANA)
        await chat(ANA).say("privacy delete confirm")              # erased through this process
        refused = await say(other, command)
        assert refused.error and refused.attachment is None and told in refused.text
        fresh = await say(other, "privacy export")                # forgotten: a new person asks
        assert not fresh.error and fresh.attachment is not None
    finally:
        await database.dispose()
    assert await member_id(db, ANA) != before


async def test_a_write_for_a_member_erased_meanwhile_is_not_saved(chat, db, database_url,  # type: ignore[no-untyped-def]
                                                                  services) -> None:
    other, database = other_process(database_url, services)
    try:
        await chat(ANA).say("group create Maps")
        assert not (await say(other, "group list", "fr")).error
        await chat(ANA).say("lang fr")
        await say(other, "group list")                           # cached again, in French
        erased = await member_id(db, ANA)
        await chat(ANA).say("privacy delete confirm")
        joined = await say(other, "group join maps")
        assert joined.error and "Vos données ont été effacées le 2 mars 2026" in joined.text
        async with db.uow() as uow:
            rows = (await uow.session.exec(select(GroupMember).where(GroupMember.member_id == erased))).all()
            assert rows == [], "nothing joined the erased member"
        again = await say(other, "group join maps")
        assert not again.error, "the next command is a new person's"
    finally:
        await database.dispose()


@pytest.mark.parametrize("command", ["group join maps", "expert add python:3", "group leave maps",
                                     "expert remove python"])
async def test_a_write_during_an_erasure_waits_for_it_then_saves_nothing(chat, db, database_url,  # type: ignore[no-untyped-def]
                                                                         services, command: str) -> None:
    """``group join``, ``expert add``, ``group leave`` and ``expert remove`` read the member's row as
    not erased inside their own INSERT or DELETE (a share lock on PostgreSQL, the write turn on
    SQLite) rather than in a second statement: an erasure holding the row either ends first, and the
    command saves nothing and says so, or waits for the command, and erases what it wrote with the
    rest. Either way nothing of theirs remains."""
    from core.schema import ExpertSkill

    other, database = other_process(database_url, services)
    try:
        await chat(BOB).say("group create Maps")
        assert not (await say(other, "help")).error               # the other process knows Ana
        if command.startswith("group leave"):
            assert not (await say(other, "group join maps")).error
        if command.startswith("expert remove"):
            assert not (await say(other, "expert add python")).error
        ana = await member_id(db, ANA)
        joined = await during_erasure(db, services, ana, say(other, command))
        if db.dialect == "postgresql":
            assert joined.error and "erased" in joined.text, joined.text
        async with db.uow() as uow:
            rows = (await uow.session.exec(select(GroupMember).where(GroupMember.member_id == ana))).all()
            skills = (await uow.session.exec(select(ExpertSkill).where(ExpertSkill.member_id == ana))).all()
        assert rows == [] and skills == [], "nothing saved for the erased member"
    finally:
        await database.dispose()


async def during_erasure(db, services, member: int, command: Coroutine[Any, Any, Reply]) -> Reply:  # type: ignore[no-untyped-def]
    """``command``'s reply, run while an erasure of ``member`` holds their row: on PostgreSQL it waits
    for the erasure (its share lock), on SQLite the erasure takes no lock and it may come first."""
    import asyncio

    from core.privacy.erasure import erase, locked

    async with db.uow() as uow:
        await locked(uow, member)                                 # the erasure has begun
        running = asyncio.create_task(command)
        await asyncio.sleep(0.3)
        if db.dialect == "postgresql":
            assert not running.done(), "the command waits for the erasure"
        await erase(uow, member, services.clock.now(), secrets=TEST_SETTINGS.security.keys)
        await uow.commit()
    return await running


async def test_an_ask_during_an_erasure_waits_for_it_then_saves_nothing(  # type: ignore[no-untyped-def]
        chat, db, database_url, services) -> None:
    """``ask`` reads the asker's row with the reusable questions, under a share lock on PostgreSQL
    (the router's not-erased check, done there: no statement of its own): an erasure holding the row
    ends first, and the question, its route and its card are not saved, the asker told why. On SQLite
    the router's check after the writes refuses the same."""
    from core.schema import Delivery, Question

    other, database = other_process(database_url, services)
    try:
        await chat(BOB).say("expert add python:3")
        assert not (await say(other, "help")).error               # the other process knows Ana
        ana = await member_id(db, ANA)
        asking = say(other, "ask Who can review my Python packaging setup?")
        asked = await during_erasure(db, services, ana, asking)
        async with db.uow() as uow:
            questions = (await uow.session.exec(select(Question))).all()
            cards = (await uow.session.exec(select(Delivery))).all()
        if db.dialect == "postgresql":
            assert asked.error and "erased" in asked.text, asked.text
            assert questions == [] and cards == [], "nothing saved for the erased member"
        else:  # SQLite's erasure took no lock: the question came first, and was erased with the rest
            assert [(q.status, "packaging" in q.text) for q in questions] == [("closed", False)]
    finally:
        await database.dispose()
