"""Moderation on Slack, end to end through the real Bolt app: a member reports an announcement
Parvis posted with the "Report to moderators" message shortcut, the moderator gets the report in
their direct messages and clicks *Remove*, the message is deleted with ``chat.delete``, the
reporter is told; removing twice and links to other workspaces get clear answers."""

from __future__ import annotations

from typing import Any

from core.services import Services
from tests.conftest import give_role
from tests.fakes.slack_api import BOT_USER
from tests.slack.conftest import ANA, LEA, Slack, payload

TEXT = "Meetup on Friday at 5"


async def announced(slack: Slack) -> str:
    """Ana's group, linked to #data-science, announces; the ts of the post."""
    await slack.command("group create Data Science")
    await slack.command("group link data-science", channel="C0DATA")
    await slack.command(f"group announce data-science {TEXT}")
    (post,) = [call for call in slack.api.made("chat.postMessage")
               if call.args.get("channel") == "C0DATA" and TEXT in call.args.get("text", "")]
    return str(post.result["ts"])


async def shortcut(slack: Slack, ts: str, user_id: str = ANA,
                   author: str | None = None) -> tuple[int, Any]:
    body = payload("message_action")
    body["user"]["id"] = user_id
    body["message_ts"] = body["message"]["ts"] = ts
    body["response_url"] = slack.api.response_url("report")
    if author is not None:
        body["message"] = {"type": "message", "ts": ts, "text": "rude", "user": author}
    return await slack.interact(body)


def direct_to(slack: Slack, user: str) -> list[dict[str, Any]]:
    return [call.args for call in slack.api.made("chat.postMessage") if call.args.get("channel") == user]


async def test_report_remove_delete_and_the_reporter_is_told(slack: Slack, services: Services) -> None:
    await slack.command("help", user_id=LEA)
    await give_role(services.db, "lea@example.com", "moderator")
    ts = await announced(slack)

    status, _ = await shortcut(slack, ts)
    assert status == 200
    (told,) = await slack.api.wait_responses(1)
    assert "report #1" in told[1]["text"]
    (card,) = direct_to(slack, LEA)
    assert "Signalement n° 1" in card["text"] and "publié par Parvis" in str(card["blocks"])
    values = [element["value"] for block in card["blocks"] if block["type"] == "actions"
              for element in block["elements"]]
    assert values == ["1:dismiss", "1:remove", "1:warn"]  # Ana wrote the announcement: she can be warned

    assert (await slack.click("moderation.decide", "1:remove", user_id=ANA))[0] == 200
    await slack.api.wait_responses(2)
    assert "Only moderators" in slack.api.responses[-1][1]["text"]
    assert not slack.api.made("chat.delete")

    assert (await slack.click("moderation.decide", "1:remove", user_id=LEA))[0] == 200
    await slack.api.wait_responses(3)
    (deleted,) = slack.api.made("chat.delete")
    assert deleted.args == {"channel": "C0DATA", "ts": ts} and deleted.result["ok"] is True
    assert ("C0DATA", ts) not in slack.api.messages
    assert "est supprimé" in slack.api.responses[-1][1]["text"]
    outcome = direct_to(slack, ANA)[-1]
    assert "was removed" in outcome["text"] and "Léa" not in outcome["text"]

    await slack.click("moderation.decide", "1:remove", user_id=LEA)
    await slack.api.wait_responses(4)
    assert "déjà été traité" in slack.api.responses[-1][1]["text"]
    assert len(slack.api.made("chat.delete")) == 1


async def test_a_message_deleted_already_is_said_so_by_slack(slack: Slack, services: Services) -> None:
    await slack.command("help", user_id=LEA)
    await give_role(services.db, "lea@example.com", "moderator")
    ts = await announced(slack)
    await shortcut(slack, ts)
    link = f"https://parvis-test.slack.com/archives/C0DATA/p{ts.replace('.', '')}"
    await slack.command(f"moderation report {link}")
    await slack.click("moderation.decide", "1:remove", user_id=LEA)
    await slack.click("moderation.decide", "2:remove", user_id=LEA)
    await slack.api.wait_responses(3)
    deletes = [call.result.get("error") for call in slack.api.calls if call.method == "chat.delete"]
    assert deletes == [None, "message_not_found"]
    assert "avait déjà été supprimé" in slack.api.responses[-1][1]["text"]


async def test_a_members_message_gets_instructions_and_its_author_a_warning(
        slack: Slack, services: Services) -> None:
    await slack.command("help", user_id=LEA)
    await give_role(services.db, "lea@example.com", "moderator")
    slack.api.messages[("C0GENERAL", "1700000050.000001")] = LEA
    await shortcut(slack, "1700000050.000001", author=LEA)
    await slack.api.wait_responses(1)
    await slack.click("moderation.decide", "1:remove", user_id=LEA)
    await slack.api.wait_responses(2)
    assert "Supprimer le message" in slack.api.responses[-1][1]["text"]
    assert not slack.api.made("chat.delete")
    await slack.click("moderation.decide", "1:warn", user_id=LEA)
    await slack.api.wait_responses(3)
    assert any("modérateurs vous demandent" in args["text"] for args in direct_to(slack, LEA))
    assert "reminded the author" in direct_to(slack, ANA)[-1]["text"]
    assert BOT_USER not in {author for key, author in slack.api.messages.items() if key[0] == "C0GENERAL"}


async def test_links_that_are_not_messages_of_this_workspace(slack: Slack, services: Services) -> None:
    await slack.command("help", user_id=LEA)
    await give_role(services.db, "lea@example.com", "moderator")
    _, other = await slack.command(
        "moderation report https://elsewhere.slack.com/archives/C0OTHER/p1700000000000001")
    assert "does not serve" in other["text"]
    _, channel = await slack.command("moderation report https://parvis-test.slack.com/archives/C0DATA",
                                     user_id=LEA)
    assert "n'est pas le lien d'un message" in channel["text"]


async def test_chat_delete_refusals_become_clear_delivery_errors(slack: Slack) -> None:
    """Slack's ``cant_delete_message`` (not the bot's message) is permanent, not "deleted already"."""
    import pytest

    from core.errors import DeliveryError, MessageGone
    from core.ports import SentMessage

    slack.api.messages[("C0GENERAL", "1700000050.000001")] = LEA
    with pytest.raises(DeliveryError) as refused:
        await slack.adapter.messenger.delete(SentMessage("slack", "C0GENERAL", "1700000050.000001"))
    assert refused.value.permanent and not isinstance(refused.value, MessageGone)
    assert "cant_delete_message" in refused.value.reason
    with pytest.raises(MessageGone):
        await slack.adapter.messenger.delete(SentMessage("slack", "C0GENERAL", "1700000099.000001"))
