"""The Slack Messenger and rate limits: what the dispatcher sees, and what users see under a 429 storm."""

from __future__ import annotations

import pytest
from sqlmodel import select

from adapters.slack.messenger import SlackMessenger
from core.errors import DeliveryError
from core.messages import Button, Reply, Section
from core.ports import ConversationRef, MemberAddress, SentMessage
from core.schema import Identity, Member
from tests.conftest import Chat
from tests.slack.conftest import ANA, Slack

TEAM = "T0PARVIS"


def messenger(slack: Slack) -> SlackMessenger:
    return slack.adapter.messenger


async def test_a_direct_message_goes_to_the_user_id(slack: Slack) -> None:
    sent = await messenger(slack).send_direct(MemberAddress("slack", TEAM, ANA), Reply(text="Hello"))
    (call,) = slack.api.made("chat.postMessage")
    assert call.args["channel"] == ANA and call.args["text"] == "Hello"
    assert sent.conversation == "D0ANA" and sent.message_id


async def test_a_channel_post_and_its_update(slack: Slack) -> None:
    where = ConversationRef("slack", TEAM, "C0DATA", thread="1700000000.000009")
    card = Reply(text="Question?", buttons=(Button("Answer", "q.answer", "1"),))
    sent = await messenger(slack).post(where, card)
    (call,) = slack.api.made("chat.postMessage")
    assert call.args["thread_ts"] == "1700000000.000009" and call.args["blocks"][-1]["type"] == "actions"
    await messenger(slack).update(sent, Reply(text="Answered by Ana"))
    (update,) = slack.api.made("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("C0DATA", sent.message_id)


async def test_a_long_reply_is_sent_as_several_messages_slack_accepts(slack: Slack) -> None:
    sections = tuple(Section(text=f"Line {n}", buttons=(Button("Join", "group.join", str(n)),))
                     for n in range(80))
    where = ConversationRef("slack", TEAM, "C0DATA")
    await messenger(slack).post(where, Reply(text="many", sections=sections))
    calls = slack.api.made("chat.postMessage")
    assert len(calls) == 2 and all(len(call.args["blocks"]) <= 50 for call in calls)


async def test_a_rate_limit_reports_retry_after_and_is_not_retried_here(slack: Slack) -> None:
    slack.api.rate_limit("chat.postMessage", times=1, retry_after=17)
    with pytest.raises(DeliveryError) as caught:
        await messenger(slack).send_direct(MemberAddress("slack", TEAM, ANA), Reply(text="Hello"))
    assert caught.value.retry_after == 17 and not caught.value.permanent
    assert len([c for c in slack.api.calls if c.method == "chat.postMessage"]) == 1  # the dispatcher retries


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "user_not_found",
                                   "account_inactive"])
async def test_errors_no_retry_can_fix_are_permanent(slack: Slack, error: str, caplog) -> None:
    slack.api.fail("chat.postMessage", error)
    with pytest.raises(DeliveryError) as caught:
        await messenger(slack).post(ConversationRef("slack", TEAM, "C0GONE"), Reply(text="Hi"))
    assert caught.value.permanent and error in caught.value.reason
    assert error in caplog.text


async def test_a_server_error_is_transient(slack: Slack) -> None:
    slack.api.fail("chat.update", "internal_error")
    with pytest.raises(DeliveryError) as caught:
        await messenger(slack).update(SentMessage("slack", "C0DATA", "1.2"), Reply(text="x"))
    assert not caught.value.permanent and caught.value.retry_after is None


async def test_invitations_to_a_linked_channel(slack: Slack) -> None:
    people = [MemberAddress("slack", TEAM, ANA), MemberAddress("slack", TEAM, "U0LEA")]
    await messenger(slack).invite(ConversationRef("slack", TEAM, "C0DATA"), people)
    (call,) = slack.api.made("conversations.invite")
    assert call.args["channel"] == "C0DATA" and call.args["users"] == f"{ANA},U0LEA"


async def test_a_429_storm_on_users_info_still_answers_every_command_once(slack: Slack, services) -> None:
    """The interactive client waits out one 429; past that a known person goes on with their user id,
    and a person never seen is asked to try again instead of becoming a member without an e-mail."""
    await slack.command("help")  # Ana is known from now on
    slack.adapter.profiles.forget(TEAM, ANA)
    slack.api.rate_limit("users.info", times=100, retry_after=0)
    status, ack = await slack.command("group create Data Science")
    assert status == 200 and "Data Science" in ack["text"]
    status, ack = await slack.command("group list")
    assert status == 200 and ack["text"].count("Data Science") == 1
    status, ack = await slack.command("group join data-science", user_id="U0LEA")
    assert status == 200 and "try again" in ack["text"]
    async with services.db.uow() as uow:
        assert len((await uow.session.exec(select(Member))).all()) == 1
    assert slack.api.responses == []  # nothing sent twice through response_url


async def test_a_429_on_the_interactive_client_is_retried_once(slack: Slack) -> None:
    slack.api.rate_limit("views.publish", times=1, retry_after=0)
    status, _ = await slack.event("app_home_opened")
    assert status == 200
    assert len(slack.api.made("views.publish")) == 1


async def test_one_person_in_slack_and_elsewhere_is_one_member(slack: Slack, router, services) -> None:
    """Ana uses the console (or Teams) with her e-mail, then Slack: one member, two identities."""
    await Chat(router, "ana@example.com").say("group create Data Science")
    _, ack = await slack.command("group list")
    assert "Data Science" in ack["text"]
    async with services.db.uow() as uow:
        members = (await uow.session.exec(select(Member))).all()
        identities = (await uow.session.exec(select(Identity.platform))).all()
    assert len(members) == 1 and sorted(identities) == ["console", "slack"]
