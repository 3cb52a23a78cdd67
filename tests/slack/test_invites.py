"""New group members are added to linked Slack channels: signed slash commands in, ``conversations.invite``
recorded by the fake Web API."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import select

from core.ports import ConversationRef, MemberAddress
from core.schema import GroupMember
from tests.slack.conftest import LEA, Slack

TEAM = "T0PARVIS"


async def linked_group(slack: Slack, *channels: str, private: bool = False) -> None:
    """Ana creates Data Science and links it, from inside each channel."""
    status, ack = await slack.command("group create Data Science" + (" --private" if private else ""))
    assert status == 200 and "Data Science" in ack["text"]
    for channel in channels:
        status, ack = await slack.command("group link data-science", channel=channel)
        assert status == 200 and "linked" in ack["text"], ack


async def members(services) -> int:  # type: ignore[no-untyped-def]
    async with services.db.uow() as uow:
        return len((await uow.session.exec(select(GroupMember))).all())


async def test_group_join_invites_the_member_to_the_linked_channel(slack: Slack) -> None:
    await linked_group(slack, "C0DATA")
    assert slack.api.made("conversations.invite") == []  # Ana linked it from inside, alone in the group
    status, ack = await slack.command("group join data-science", user_id=LEA, channel="C0GENERAL")
    assert status == 200 and "Bienvenue" in ack["text"] and "canal relié" in ack["text"]
    (call,) = slack.api.made("conversations.invite")
    assert (call.args["channel"], call.args["users"]) == ("C0DATA", LEA) and "force" not in call.args
    assert call.token == "xoxb-parvis-test"


async def test_group_add_by_an_owner_invites_the_added_member(slack: Slack) -> None:
    await slack.command("help", user_id=LEA)  # Léa has used Parvis on Slack: she has an identity
    await linked_group(slack, "C0DATA", "C0MORE", private=True)
    status, ack = await slack.command(f"group add data-science <@{LEA}|lea>", channel="C0GENERAL")
    assert status == 200 and "Léa Dubois" in ack["text"] and "2 linked channels" in ack["text"], ack
    calls = slack.api.made("conversations.invite")
    invited = [(call.args["channel"], call.args["users"]) for call in calls]
    assert invited == [("C0DATA", LEA), ("C0MORE", LEA)]


async def test_linking_a_channel_invites_the_members_already_there(slack: Slack) -> None:
    await slack.command("group create Data Science")
    await slack.command("group join data-science", user_id=LEA)
    assert slack.api.made("conversations.invite") == []  # no channel linked yet
    status, ack = await slack.command("group link data-science", channel="C0DATA")
    assert status == 200 and "other member to this channel" in ack["text"]
    (call,) = slack.api.made("conversations.invite")
    assert (call.args["channel"], call.args["users"]) == ("C0DATA", LEA)


async def test_a_channel_slack_cannot_find_leaves_the_membership_and_a_clean_reply(
        slack: Slack, services, caplog) -> None:  # type: ignore[no-untyped-def]
    await linked_group(slack, "C0DATA")
    slack.api.fail("conversations.invite", "channel_not_found")
    with caplog.at_level(logging.WARNING):
        status, ack = await slack.command("group join data-science", user_id=LEA)
    assert status == 200 and "Bienvenue" in ack["text"]
    assert "went wrong" not in ack["text"] and "Traceback" not in caplog.text
    assert await members(services) == 2
    assert "could not add 1 group member(s) to slack channel C0DATA: slack channel_not_found" in caplog.text


async def test_already_in_the_channel_is_success(slack: Slack, caplog) -> None:  # type: ignore[no-untyped-def]
    await linked_group(slack, "C0DATA")
    slack.api.fail("conversations.invite", "already_in_channel")
    with caplog.at_level(logging.WARNING):
        status, ack = await slack.command("group join data-science", user_id=LEA)
    assert status == 200 and "Bienvenue" in ack["text"]
    assert "could not add" not in caplog.text and "failed for good" not in caplog.text


async def test_one_rate_limit_is_waited_out(slack: Slack) -> None:
    await linked_group(slack, "C0DATA")
    slack.api.rate_limit("conversations.invite", times=1, retry_after=0)
    status, _ack = await slack.command("group join data-science", user_id=LEA)
    assert status == 200
    assert [call.status for call in slack.api.calls if call.method == "conversations.invite"] == [429, 200]


async def test_a_long_rate_limit_is_not_slept_through(slack: Slack) -> None:
    """"Retry after an hour": the command's invitation is not retried (nobody sleeps an hour holding
    the member's request); the refusal is logged and the join stands."""
    await linked_group(slack, "C0DATA")
    slack.api.rate_limit("conversations.invite", times=1, retry_after=3600)
    status, ack = await asyncio.wait_for(slack.command("group join data-science", user_id=LEA), 10)
    assert status == 200 and "Bienvenue" in ack["text"]
    assert [call.status for call in slack.api.calls if call.method == "conversations.invite"] == [429]


async def test_joining_the_linked_channel_joins_the_group_without_inviting_back(
        slack: Slack, services) -> None:  # type: ignore[no-untyped-def]
    await linked_group(slack, "C0DATA", "C0MORE")
    status, _ = await slack.event("member_joined_channel", user=LEA, channel="C0DATA")
    assert status == 200 and await members(services) == 2
    (call,) = slack.api.made("conversations.invite")  # only the group's other linked channel
    assert (call.args["channel"], call.args["users"]) == ("C0MORE", LEA)


async def test_a_join_parvis_caused_is_not_handled_again(slack: Slack, services) -> None:  # type: ignore[no-untyped-def]
    await linked_group(slack, "C0DATA")
    status, _ = await slack.event("member_joined_channel", user=LEA, channel="C0DATA", inviter="UPARVISBOT")
    assert status == 200 and await members(services) == 1
    assert slack.api.made("chat.postEphemeral") == []


async def test_the_messenger_invites_in_batches_of_1000(slack: Slack) -> None:
    people = [MemberAddress("slack", TEAM, f"U{n:05d}") for n in range(2500)]
    await slack.adapter.messenger.invite(ConversationRef("slack", TEAM, "C0BIG"), people)
    calls = slack.api.made("conversations.invite")
    assert [len(call.args["users"].split(",")) for call in calls] == [1000, 1000, 500]
    assert [call.args["force"] for call in calls] == ["1", "1", "1"]  # valid ids go in, bad ones are listed
    assert calls[0].args["users"].split(",")[0] == "U00000" and calls[2].args["users"].endswith("U02499")
