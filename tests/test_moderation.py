"""Moderation through the router, with the fake messenger: a report reaches the moderators through
the outbox, the first decision wins, *Remove* deletes what Parvis posted (and says so when it was
deleted already), the reporter learns the outcome without the moderator's name, and bad links get
clear messages in English and French."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from sqlmodel import select

from core.activity.models import AuditEntry
from core.delivery.models import Delivery
from core.delivery.outbox import Source, Target, enqueue
from core.directory.tenancy import Tenancy
from core.errors import InvalidInput
from core.moderation import links
from core.moderation.models import Report
from core.ports import ConversationRef, FakeMessenger, SentMessage
from core.services import Services
from tests.conftest import give_role

ANA, MO, BOB = "ana@example.com", "mo@example.com", "bob@example.com"
SLACK_LINK = "https://acme.slack.com/archives/C0DATA/p1700000000000001"
POSTED_LINK = "https://teams.microsoft.com/l/message/19%3Ageneral%40thread.tacv2/1?tenantId=tenant-1"
TEAMS_LINK = ("https://teams.microsoft.com/l/message/19%3Ageneral%40thread.tacv2/1614286436960"
              "?tenantId=tenant-1&groupId=g&parentMessageId=1614286436960&teamName=T&channelName=General")


async def _setup(chat: Any, services: Services) -> tuple[Any, Any]:
    ana, mo = chat(ANA), chat(MO)
    await ana.say("help")
    await mo.say("help")
    await give_role(services.db, MO, "moderator")
    return ana, mo


async def _posted_by_parvis(services: Services) -> FakeMessenger:
    """A Teams channel post Parvis sent through the outbox (as an announcement is): the row is sent
    and keeps the reference the platform gave back; returns the Teams messenger."""
    teams = FakeMessenger(platform="teams")
    services.messengers["teams"] = teams
    sent = await teams.post(ConversationRef("teams", "tenant-1", "19:general@thread.tacv2"), _reply("hello"))
    async with services.db.uow() as uow:
        (row_id,) = await enqueue(uow, Source("test", 1), "test", [Target.channel("x")], services.clock.now())
        row = await uow.session.get(Delivery, row_id)
        assert row is not None
        row.status, row.message_ref = "sent", {**asdict(sent), "parts": 1}
        await uow.commit()
    return teams


def _reply(text: str) -> Any:
    from core.messages import Reply
    return Reply(text=text)


def test_links_are_read_and_bad_ones_refused() -> None:
    tenancy = Tenancy()
    slack = links.parse(f"<{SLACK_LINK}>", tenancy)
    assert (slack.platform, slack.conversation, slack.message_id) == ("slack", "C0DATA", "1700000000.000001")
    teams = links.parse(TEAMS_LINK, tenancy)
    assert (teams.tenant, teams.conversation, teams.message_id) == (
        "tenant-1", "19:general@thread.tacv2", "1614286436960")
    for bad, key in (("hello", "moderation.not_a_link"),
                     ("https://acme.slack.com/archives/C0DATA", "moderation.not_a_message"),
                     ("https://example.com/x", "moderation.not_a_message")):
        with pytest.raises(InvalidInput) as raised:
            links.parse(bad, tenancy)
        assert raised.value.key == key
    tenancy.allow("slack", ["T1"])
    tenancy.allow_host("slack", "other.slack.com")
    tenancy.allow("teams", ["tenant-2"])
    for foreign in (SLACK_LINK, TEAMS_LINK):
        with pytest.raises(InvalidInput) as raised:
            links.parse(foreign, tenancy)
        assert raised.value.key == "moderation.not_served"


@pytest.mark.parametrize(("locale", "words"), [("en", "is not the link of a Slack or Teams message"),
                                               ("fr", "n'est pas le lien d'un message Slack ou Teams")])
async def test_a_link_that_is_not_a_message_is_told_in_the_members_language(
        chat: Any, services: Services, locale: str, words: str) -> None:
    await _setup(chat, services)
    reply = await chat(ANA, locale).say("moderation report https://acme.slack.com/archives/C0DATA spam")
    assert reply.error and words in reply.text


async def test_remove_deletes_what_parvis_posted_and_the_reporter_is_told(
        chat: Any, services: Services, messenger: FakeMessenger) -> None:
    ana, mo = await _setup(chat, services)
    teams = await _posted_by_parvis(services)
    reply = await ana.say(f"moderation report {POSTED_LINK} insulting")
    assert not reply.error and "#1" in reply.text
    cards = [item for item in messenger.sent if item[0] == "direct" and item[2].buttons]
    assert len(cards) == 1 and [b.value for b in cards[0][2].buttons] == ["1:dismiss", "1:remove"]
    assert (await ana.click("moderation.decide", "1:remove")).error  # not a moderator
    done = await mo.click("moderation.decide", "1:remove")
    assert not done.error and "deleted" in done.text
    assert [item for kind, item, _ in teams.sent if kind == "delete"] == [
        SentMessage("teams", "19:general@thread.tacv2", "1")]
    told = [reply for kind, to, reply in messenger.sent
            if kind == "direct" and getattr(to, "user_id", "") == ANA]
    assert told and "was removed" in told[-1].text and "Mo" not in told[-1].text
    again = await mo.click("moderation.decide", "1:remove")
    assert again.error and "already settled" in again.text
    async with services.db.uow() as uow:
        statement = select(AuditEntry).where(AuditEntry.action == "moderation.remove")
        audit = (await uow.session.exec(statement)).all()
        (report,) = (await uow.session.exec(select(Report))).all()
    assert len(audit) == 1 and audit[0].detail["deleted"] is True and report.status == "removed"


@pytest.mark.parametrize(("locale", "words"), [("en", "had already been deleted"),
                                               ("fr", "avait déjà été supprimé")])
async def test_removing_a_message_deleted_already_says_so(
        chat: Any, services: Services, locale: str, words: str) -> None:
    ana, _ = await _setup(chat, services)
    mo = chat(MO, locale)
    await mo.say(f"lang {locale}")
    await _posted_by_parvis(services)
    await ana.say(f"moderation report {POSTED_LINK}")
    await ana.say(f"moderation report {POSTED_LINK} again")
    assert not (await mo.click("moderation.decide", "1:remove")).error
    second = await mo.click("moderation.decide", "2:remove")
    assert not second.error and words in second.text


async def test_a_message_parvis_did_not_post_gets_instructions_and_dismiss_closes_it(
        chat: Any, services: Services, messenger: FakeMessenger) -> None:
    ana, mo = await _setup(chat, services)
    await ana.say(f"moderation report {TEAMS_LINK}")
    how = await mo.click("moderation.decide", "1:remove")
    assert "did not post" in how.text and "Teams" in how.text
    assert not any(kind == "delete" for kind, _, _ in messenger.sent)
    assert "dismissed" in (await mo.click("moderation.decide", "1:dismiss")).text
    told = [reply for kind, to, reply in messenger.sent
            if kind == "direct" and getattr(to, "user_id", "") == ANA]
    assert "decided to leave it" in told[-1].text


async def test_nobody_to_moderate_is_a_clear_message(chat: Any, services: Services) -> None:
    reply = await chat(ANA).say(f"moderation report {SLACK_LINK}")
    assert reply.error and "role grant moderator" in reply.text


async def test_the_fake_messenger_deletes_like_a_platform(messenger: FakeMessenger) -> None:
    from core.errors import MessageGone
    sent = await messenger.post(ConversationRef("console", "local", "c"), _reply("x"))
    await messenger.delete(sent)
    for gone in (sent, SentMessage("console", "c", "99")):
        with pytest.raises(MessageGone):
            await messenger.delete(gone)


async def test_help_names_the_moderation_command(chat: Any) -> None:
    reply = await chat(ANA).say("help moderation")
    assert not reply.error and "moderation report <message link> [<reason>]" in str(reply)


async def test_the_console_deletes_what_it_showed(services: Services) -> None:
    import io

    from adapters.console.messenger import ConsoleMessenger
    from adapters.console.outbound import Screen
    from core.errors import MessageGone

    out = io.StringIO()
    console = ConsoleMessenger(Screen(out), reader=ANA, services=services)
    sent = await console.post(ConversationRef("console", "local", "general"), _reply("hello"))
    await console.delete(sent)
    assert "message deleted — general" in out.getvalue()
    with pytest.raises(MessageGone):
        await console.delete(sent)
