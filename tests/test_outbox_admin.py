"""Failed deliveries are never silent: an admin lists them with their last error and sends them again,
in the chat (``outbox failed`` / ``outbox retry``); anyone else is told politely it is for admins."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.errors import DeliveryError
from core.markup import plain
from core.messages import Reply
from core.ports import ConversationRef, FakeMessenger, Progress, SentMessage
from core.runtime.db import Database
from core.schema import AuditEntry, Delivery
from core.services import Services
from tests.conftest import give_role

ANA, BOB = "ana@example.com", "bob@example.com"
GONE = ConversationRef("slack", "T1", "C-gone")


class BotRemoved(FakeMessenger):
    """The bot was removed from ``C-gone``, until ``invited_back``."""

    invited_back = False

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        if channel.channel == GONE.channel and not self.invited_back:
            raise DeliveryError("slack not_in_channel: the Parvis bot is not a member of the channel",
                                permanent=True)
        return await super().post(channel, reply, progress)


@pytest.fixture
def slack(services: Services) -> BotRemoved:
    messenger = BotRemoved(platform="slack")
    services.messengers["slack"] = messenger
    return messenger


async def failed_announcement(chat, router: CommandRouter, db: Database) -> None:  # type: ignore[no-untyped-def]
    """Ana (an admin) announces to a channel the bot was removed from: the post fails for good."""
    ana = chat(ANA)
    assert not (await ana.say("group create Data Science")).error
    await give_role(db, ANA, "admin")
    linked = await router.handle(Invocation(actor=ana.actor, text="group link data science", channel=GONE))
    assert not linked.error, linked.text
    assert not (await ana.say("group announce data science Meetup on Friday")).error
    async with db.uow() as uow:
        (row,) = (await uow.session.exec(select(Delivery))).all()
    assert row.status == "failed"


async def test_an_admin_lists_failed_deliveries_and_sends_them_again(  # type: ignore[no-untyped-def]
        chat, router, db: Database, slack: BotRemoved) -> None:
    await failed_announcement(chat, router, db)
    listing = await chat(ANA).say("outbox failed")
    assert not listing.error and listing.title == "Failed deliveries: 1"
    shown = plain(listing.text)
    assert "group.announcement to channel gc:1" in shown and "not_in_channel" in shown

    slack.invited_back = True
    retried = await chat(ANA).say("outbox retry all")
    assert not retried.error and "1" in retried.text
    assert [channel.channel for _, channel, _ in slack.sent] == ["C-gone"]  # sent at once
    assert "No failed delivery" in (await chat(ANA).say("outbox failed")).text
    async with db.uow() as uow:
        statement = select(AuditEntry).where(AuditEntry.action == "outbox.retry")
        (audit,) = (await uow.session.exec(statement)).all()
    assert audit.detail["ids"] == [1] and audit.actor_id is not None


async def test_retry_by_number_and_bad_numbers(chat, router, db: Database,  # type: ignore[no-untyped-def]
                                               slack: BotRemoved) -> None:
    await failed_announcement(chat, router, db)
    ana = chat(ANA)
    bad = await ana.say("outbox retry twelve")
    assert bad.error and "“twelve” is not a delivery number" in bad.text
    unknown = await ana.say("outbox retry 99")
    assert unknown.error and "#99" in unknown.text
    partly = await ana.say("outbox retry #1 99")
    assert not partly.error and "#99" in partly.text and "back in the outbox: 1" in partly.text


async def test_members_who_are_not_admins_are_refused_politely(  # type: ignore[no-untyped-def]
        chat, router, db: Database, slack: BotRemoved) -> None:
    await failed_announcement(chat, router, db)
    for text in ("outbox failed", "outbox retry all"):
        reply = await chat(BOB).say(text)
        assert reply.error and reply.text == "Only administrators can see and resend the messages Parvis " \
                                              "could not deliver."
    assert (await chat(BOB, locale="fr").say("outbox failed")).text.startswith("Seuls les administrateurs")
    async with db.uow() as uow:
        (row,) = (await uow.session.exec(select(Delivery))).all()
    assert row.status == "failed"


async def test_in_french(chat, router, db: Database, slack: BotRemoved) -> None:  # type: ignore[no-untyped-def]
    await failed_announcement(chat, router, db)
    listing = await chat(ANA, locale="fr").say("outbox failed")
    assert listing.title == "Envois en échec : 1" and "1 tentative :" in listing.text
