"""Quick polls on Teams, end to end through the real botbuilder path (signed JWT): ``poll`` typed in
a team's group chat posts the poll card there, three members vote with its buttons, and the card is
updated in place (``PUT …/activities/{id}``, throttled) with the counts."""

from __future__ import annotations

from typing import Any

from core.delivery.dispatcher import Dispatcher
from core.polls.updates import UPDATE_EVERY
from core.services import Services
from tests.teams.conftest import TeamsClient, _as, payload

CHAT = "19:lunch-group-chat@thread.v2"
GROUP_CHAT = {"isGroup": True, "conversationType": "groupChat", "tenantId": "tenant-1", "id": CHAT}


async def in_chat(teams: TeamsClient, text: str, user: str = "ana") -> int:
    body = payload("message_channel", teams.connector.url, conversation=dict(GROUP_CHAT))
    body["text"] = f"<at>Parvis</at> {text}"
    body["channelData"] = {"tenant": {"id": "tenant-1"}}
    _as(body, user)
    status, _ = await teams.post(body)
    return status


async def click(teams: TeamsClient, user: str, action_id: str, value: str, card: str) -> list[Any]:
    body = payload("card_submit", teams.connector.url, value={"action_id": action_id, "value": value},
                   replyToId=card, conversation=dict(GROUP_CHAT))
    _as(body, user)
    before = len(teams.connector.calls)
    status, _ = await teams.post(body)
    assert status == 200
    return [call for call in teams.connector.calls[before:] if call.body is not None]


def puts(teams: TeamsClient, since: int) -> list[Any]:
    """The updates of an activity in the group chat since call ``since`` (the connector serves the
    whole session)."""
    return [call for call in teams.connector.calls[since:]
            if call.method == "PUT" and call.body is not None and CHAT in call.path]


async def test_a_poll_in_a_group_chat_voted_on_by_three_members(teams: TeamsClient,
                                                                services: Services) -> None:
    for user in ("bob", "chloe"):
        await teams.say("help", user=user)  # known to Parvis, as anyone who used it once
    since = len(teams.connector.calls)
    assert await in_chat(teams, 'poll "Lunch on Friday?" "Pizza" "Sushi"') == 200
    (card,) = [call for call in teams.connector.sent("POST")[-3:] if "Lunch on Friday?" in str(call.body)]
    assert "1:0" in str(card.body)
    assert CHAT in card.path and "1:0" in str(card.body) and "Close poll" in str(card.body)
    posted = [call for call in teams.connector.calls[since:] if call.method == "POST" and CHAT in call.path]
    assert len(posted) == 1, "the poll is the only message: the command itself answers nothing"

    for user, value in (("ana", "1:0"), ("bob", "1:1"), ("chloe", "1:0")):
        answered = await click(teams, user, "poll.vote", value, "poll-card")
        assert not [call for call in answered if call.method == "POST"], "a vote says nothing itself"
    assert len(puts(teams, since)) == 1  # the first vote at once, the next ones wait
    services.clock.advance(UPDATE_EVERY)  # type: ignore[attr-defined]
    await Dispatcher(services).run_once()
    updates = puts(teams, since)
    assert len(updates) == 2
    shown = str(updates[-1].body)
    assert "2 votes (67 %)" in shown and "1 vote (33 %)" in shown and "3 people voted" in shown
