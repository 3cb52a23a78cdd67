"""A campaign end to end in Teams: the creation form as an Adaptive Card, its submission, the Start
button, then the worker delivering the prompt proactively to a Teams member through the fake connector
and the member answering on the card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.campaign_support import give_role, set_member, tick
from tests.teams.conftest import TeamsClient
from tests.teams.test_commands import card, shown, submits


def inputs_of(content: dict[str, Any]) -> dict[str, str]:
    return {e["id"]: str(e.get("value") or "") for e in content["body"] if e["type"].startswith("Input.")}


async def prompts_to(teams: TeamsClient, services: Any, clock: Any, chat: str) -> list[Any]:
    """Advance the clock an hour at a time (three days at most) until the worker has posted to the
    personal chat ``chat``; the connector's POSTs to it from then on (a prompt first)."""
    before = len(teams.connector.calls)
    for _ in range(72):
        clock.advance(timedelta(hours=1))
        await tick(services)
        if any(chat in c.path for c in teams.connector.calls[before:]):
            break
    return [c for c in teams.connector.calls[before:] if chat in c.path and c.method == "POST"]


async def test_campaign_created_from_the_card_and_prompt_delivered_in_teams(teams: TeamsClient, services,
                                                                            clock) -> None:
    await teams.say("group create Data Science")
    await teams.say("group join data-science", user="bob")
    await give_role(services.db, "ana@example.com", "animator")
    for email in ("ana@example.com", "bob@example.com"):
        await set_member(services.db, email, timezone="Europe/Paris")
    sent = await teams.say("campaign new weekly-learning")
    form = card(sent[0])
    data = {**submits(form)[0]["data"], **inputs_of(form), "in.groups": "data science",
            "in.recurrence": "FREQ=DAILY"}
    status, created = await teams.submit(data, reply_to="act-form-1")
    assert status == 200 and created[0].method == "PUT", shown(created[0])
    start = next(a for a in submits(created[0].body) if a["data"]["action_id"] == "campaign.start")
    status, started = await teams.submit(start["data"], reply_to="act-form-1")
    assert status == 200 and "act-form-1" in started[0].path

    prompts = await prompts_to(teams, services, clock, "a:1personal-bob")
    assert prompts and prompts[0].authorized
    answer = submits(prompts[0].body)
    assert answer, shown(prompts[0])

    card_id = "act-prompt-1"  # the id Teams gave the prompt card; it comes back as the click's replyToId
    choice = next(a["data"] for a in answer if a["data"]["action_id"] == "campaign.answer")
    status, answered = await teams.submit(choice, user="bob", reply_to=card_id)
    assert status == 200 and answered and answered[0].authorized
    assert (answered[0].method, answered[0].path) == (
        "PUT", f"/v3/conversations/a:1personal-bob/activities/{card_id}")
    write = next(a["data"] for a in answer if a["data"]["action_id"] == "campaign.write")
    status, form = await teams.submit(write, user="bob", reply_to=card_id)
    text_input = [e for e in card(form[0])["body"] if e["type"] == "Input.Text"]
    assert status == 200 and text_input and text_input[0]["id"] == "in.answer"
