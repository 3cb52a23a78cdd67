"""Moderation on Teams, end to end through the real botbuilder path: a member reports an
announcement Parvis posted with the "Report to moderators" message action
(``composeExtension/submitAction``), the moderator gets the report card in their personal chat and
clicks *Remove*, the activity is deleted (``DELETE /v3/conversations/{id}/activities/{id}``), the
reporter is told; deleting twice and links of other tenants get clear answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from core.delivery.models import Delivery
from core.services import Services
from tests.conftest import give_role
from tests.teams.conftest import TeamsClient, payload

TEXT = "Meetup on Friday at 5"
CHANNEL = "19:general@thread.tacv2"


async def announced(teams: TeamsClient, services: Services) -> str:
    """Ana's group, linked to the General channel, announces there; the id Teams gave the post."""
    await teams.say("group create Data Science")
    await teams.say("group link data-science", channel=True)
    await teams.say(f"group announce data-science {TEXT}")
    async with services.db.uow() as uow:
        statement = select(Delivery).where(Delivery.purpose == "group.announcement")
        (row,) = (await uow.session.exec(statement)).all()
    assert row.status == "sent" and row.message_ref["conversation"].endswith(f"|{CHANNEL}")
    assert teams.connector.activities[(CHANNEL, row.message_ref["message_id"])] == "bot"
    return str(row.message_ref["message_id"])


async def report(teams: TeamsClient, message_id: str, *, link: str | None = None,
                 author: str | None = None) -> Any:
    body = payload("invoke_submit_action", teams.connector.url)
    message = body["value"]["messagePayload"]
    message["id"] = message_id
    message["linkToMessage"] = link or (f"https://teams.microsoft.com/l/message/{CHANNEL}/{message_id}"
                                        f"?tenantId=tenant-1&parentMessageId={message_id}")
    if author is not None:
        message["from"] = {"user": {"id": author, "displayName": "Bob", "userIdentityType": "aadUser"}}
    status, answer = await teams.post(body)
    assert status == 200
    return answer


def posts(teams: TeamsClient, since: int) -> list[Any]:
    """Activities the bot sent since call ``since``."""
    return [call for call in teams.connector.calls[since:]
            if call.method == "POST" and call.body is not None and "/activities" in call.path]


async def test_report_remove_delete_and_the_reporter_is_told(teams: TeamsClient, services: Services) -> None:
    since = len(teams.connector.calls)  # the fake connector serves the whole session
    await teams.say("help", user="bob")
    await give_role(services.db, "bob@example.com", "moderator")
    message_id = await announced(teams, services)

    answer = await report(teams, message_id)
    assert answer["task"]["type"] == "message" and "report #1" in answer["task"]["value"]
    card = [call for call in posts(teams, since) if "Report #1 to moderate" in str(call.body)]
    assert len(card) == 1 and "1:remove" in str(card[0].body) and "not for this channel" in str(card[0].body)

    status, replies = await teams.submit({"action_id": "moderation.decide", "value": "1:remove"}, user="bob")
    assert status == 200
    (deleted,) = [call for call in teams.connector.calls[since:] if call.method == "DELETE"]
    assert deleted.path == f"/v3/conversations/{CHANNEL}/activities/{message_id}" and deleted.status == 200
    assert (CHANNEL, message_id) not in teams.connector.activities
    assert any("is deleted" in str(call.body) for call in replies)
    told = [call for call in posts(teams, since) if "was removed" in str(call.body)]
    assert len(told) == 1 and "Bob" not in str(told[0].body)

    _, again = await teams.submit({"action_id": "moderation.decide", "value": "1:remove"}, user="bob")
    assert any("already settled" in str(call.body) for call in again)
    assert len([call for call in teams.connector.calls[since:] if call.method == "DELETE"]) == 1


async def test_a_deleted_activity_is_said_so(teams: TeamsClient, services: Services) -> None:
    since = len(teams.connector.calls)  # the fake connector serves the whole session
    await teams.say("help", user="bob")
    await give_role(services.db, "bob@example.com", "moderator")
    message_id = await announced(teams, services)
    await report(teams, message_id)
    await report(teams, message_id)
    await teams.submit({"action_id": "moderation.decide", "value": "1:remove"}, user="bob")
    _, replies = await teams.submit({"action_id": "moderation.decide", "value": "2:remove"}, user="bob")
    assert [call.status for call in teams.connector.calls[since:] if call.method == "DELETE"] == [200, 404]
    assert any("had already been deleted" in str(call.body) for call in replies)


async def test_a_members_message_and_another_tenants_link(teams: TeamsClient, services: Services) -> None:
    since = len(teams.connector.calls)  # the fake connector serves the whole session
    await teams.say("help", user="bob")
    await give_role(services.db, "bob@example.com", "moderator")
    teams.connector.activities[(CHANNEL, "1700000000077")] = "aad-ana"
    await report(teams, "1700000000077", author="aad-ana")
    _, how = await teams.submit({"action_id": "moderation.decide", "value": "1:remove"}, user="bob")
    assert any("did not post" in str(call.body) for call in how)
    assert not [call for call in teams.connector.calls[since:] if call.method == "DELETE"]
    _, warned = await teams.submit({"action_id": "moderation.decide", "value": "1:warn"}, user="bob")
    assert any("author of the message of report #1 is warned" in str(call.body) for call in warned)
    assert [call for call in posts(teams, since) if "keep to the usage charter" in str(call.body)]

    other = await report(teams, "1700000000078", link="https://teams.microsoft.com/l/message/19:x@thread.tacv2/"
                                                      "1700000000078?tenantId=tenant-other")
    assert "does not serve" in other["task"]["value"]
    nothing = await report(teams, "1", link="https://teams.microsoft.com/l/channel/19:x@thread.tacv2/General")
    assert "is not the link of a Slack or Teams message" in nothing["task"]["value"]
