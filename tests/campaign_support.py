"""Shared by the campaign tests: people in a demo group, an animator, and the creation form filled in."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from core.campaigns.rounds import close_due, materialise_due, send_reminders
from core.delivery.dispatcher import Dispatcher
from core.directory.members import find_by_email
from core.messages import Reply
from core.ports import FakeMessenger, MemberAddress
from core.runtime.db import Database
from core.schema import Member
from core.services import Services
from tests.conftest import give_role

ANA, BOB, CARL, DEE = "ana@example.com", "bob@example.com", "carl@example.com", "dee@example.com"
ZONES = {ANA: "Europe/Paris", BOB: "Europe/Paris", CARL: "America/New_York", DEE: "Asia/Tokyo"}


async def set_member(db: Database, email: str, **values: Any) -> None:
    async with db.uow() as uow:
        member = await find_by_email(uow, email)
        assert member is not None
        for name, value in values.items():
            setattr(member, name, value)
        uow.session.add(member)
        await uow.commit()


async def ok(who: Any, text: str) -> Reply:
    reply = await who.say(text)
    assert not reply.error, reply.text
    return reply


async def demo_group(chat: Any, db: Database, members: tuple[str, ...] = (BOB, CARL)) -> None:
    """Ana (animator, Paris) owns "Data Science"; the others joined it, each in their own zone."""
    ana = chat(ANA)
    await ok(ana, "group create Data Science")
    for email in members:
        await ok(chat(email), "group join data science")
    for email in (ANA, *members):
        await set_member(db, email, timezone=ZONES[email])
    await give_role(db, ANA, "animator")


def form_values(reply: Reply, **overrides: str) -> dict[str, str]:
    """The form's initial values with some changed, as a member would submit them."""
    assert reply.form is not None, reply.text
    values = {field.name: field.initial for field in reply.form.inputs}
    values.update(overrides)
    return values


async def create(chat: Any, template: str = "weekly-learning", **overrides: str) -> Reply:
    ana = chat(ANA)
    reply = await ok(ana, f"campaign new {template}".strip())
    assert reply.form is not None
    values = form_values(reply, **{"groups": "data science", **overrides})
    return await ana.click(reply.form.action_id, reply.form.value, **values)


async def tick(services: Services) -> int:
    """What the worker does every minute: rounds, reminders, closes, then the dispatcher."""
    await materialise_due(services)
    await send_reminders(services)
    await close_due(services)
    return await Dispatcher(services).run_once()


def inbox(messenger: FakeMessenger, email: str) -> list[Reply]:
    return [reply for kind, to, reply in messenger.sent
            if kind == "direct" and isinstance(to, MemberAddress) and to.user_id == email]


async def member(db: Database, email: str) -> Member:
    async with db.uow() as uow:
        found = (await uow.session.exec(select(Member).where(Member.email == email))).first()
        assert found is not None
        return found
