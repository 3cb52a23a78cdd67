"""Quick polls on Slack, end to end through the real Bolt app and signed requests: ``/parvis poll``
in a channel posts the poll there (``chat.postMessage``), three members vote by clicking its
buttons, and the message is updated (``chat.update``, throttled) with the counts; the author closes it."""

from __future__ import annotations

from typing import Any

from core.delivery.dispatcher import Dispatcher
from core.polls.updates import UPDATE_EVERY
from core.services import Services
from tests.fakes.slack_api import user
from tests.slack.conftest import ANA, LEA, Slack

CY = "U0CY"


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(element["action_id"], element["value"]) for block in blocks if block["type"] == "actions"
            for element in block["elements"]]


async def test_a_poll_voted_on_by_three_members_shows_the_counts(slack: Slack, services: Services) -> None:
    slack.api.users[CY] = user(CY, "cy@example.com", "Cy Rano")
    status, ack = await slack.command('poll "Lunch on Friday?" “Pizza” “Sushi”', channel="C0LUNCH")
    assert status == 200 and not (ack or {}).get("text"), ack  # the poll is the answer
    (posted,) = [call for call in slack.api.made("chat.postMessage") if call.args.get("channel") == "C0LUNCH"]
    assert "Lunch on Friday?" in posted.args["text"]
    values = buttons(posted.args["blocks"])
    assert [value for _, value in values] == ["1:0", "1:1", "1"]
    ts = str(posted.result["ts"])

    for user_id, value in ((ANA, "1:0"), (LEA, "1:1"), (CY, "1:0")):
        assert (await slack.click("poll.vote", value, user_id=user_id))[0] == 200
    updates = slack.api.made("chat.update")
    assert len(updates) == 1 and updates[0].args["ts"] == ts  # the first vote at once, the others wait
    services.clock.advance(UPDATE_EVERY)  # type: ignore[attr-defined]
    await Dispatcher(services).run_once()
    last = slack.api.made("chat.update")[-1]
    assert last.args["channel"] == "C0LUNCH" and last.args["ts"] == ts
    shown = str(last.args["blocks"])
    assert "Pizza" in shown and "2 votes (67 %)" in shown and "1 vote (33 %)" in shown
    assert "3 people voted" in shown
    assert not slack.api.responses, "a vote says nothing to the voter: the message is the answer"

    await slack.click("poll.close", "1", user_id=LEA)
    await slack.api.wait_responses(1)
    assert "Seule la personne qui a publié le sondage" in slack.api.responses[-1][1]["text"]
    await slack.click("poll.close", "1", user_id=ANA)
    final = slack.api.made("chat.update")[-1]
    assert "(closed)" in final.args["text"] and buttons(final.args["blocks"]) == []


async def test_bad_polls_are_refused_in_the_acknowledgement(slack: Slack) -> None:
    _, one = await slack.command('poll "Lunch?" "Pizza"', channel="C0LUNCH")
    assert "at least 2 options" in one["text"]
    eleven = " ".join(f'"o{n}"' for n in range(11))
    _, many = await slack.command(f'poll "Lunch?" {eleven}', channel="C0LUNCH", user_id=LEA)
    assert "au plus 10 options" in many["text"]
    assert not slack.api.made("chat.postMessage")
