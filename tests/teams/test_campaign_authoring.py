"""Campaign authoring in Teams (issue 19): a card submitted with mistakes comes back as the same card,
every value kept and each problem under its input; a French member of a campaign made from the
English template gets the French prompt. Real botbuilder behind a real JWT; fake connector."""

from __future__ import annotations

from typing import Any

from tests.campaign_support import give_role, set_member
from tests.teams.conftest import TeamsClient
from tests.teams.test_campaign import inputs_of, prompts_to
from tests.teams.test_commands import card, shown, submits


async def _card(teams: TeamsClient, services: Any) -> dict[str, Any]:
    await teams.say("group create Data Science")
    await teams.say("group join data-science", user="bob")
    await give_role(services.db, "ana@example.com", "animator")
    for email in ("ana@example.com", "bob@example.com"):
        await set_member(services.db, email, timezone="Europe/Paris")
    return card((await teams.say("campaign new weekly-learning"))[0])


def _after(body: list[dict[str, Any]], input_id: str) -> dict[str, Any]:
    """The element right after input ``input_id`` in a card's body."""
    index = next(n for n, element in enumerate(body) if element.get("id") == input_id)
    return body[index + 1]


async def test_a_wrong_card_comes_back_with_its_values_and_the_problems_under_them(
        teams: TeamsClient, services: Any) -> None:
    form = await _card(teams, services)
    data = {**submits(form)[0]["data"], **inputs_of(form), "in.title": "Typed with care",
            "in.groups": "nowhere", "in.reminder_after": "72"}
    status, again = await teams.submit(data, reply_to="act-form-1")
    assert status == 200 and again
    fixed = card(again[0])
    values = inputs_of(fixed)
    assert values["in.title"] == "Typed with care" and values["in.groups"] == "nowhere"
    assert values["in.prompts"] == inputs_of(form)["in.prompts"]               # kept, not retyped
    problem = _after(fixed["body"], "in.groups")
    assert problem["type"] == "TextBlock" and problem["color"] == "Attention" and "nowhere" in problem["text"]
    assert "at or after the close" in _after(fixed["body"], "in.reminder_after")["text"]
    assert "Remind after (hours)" in shown(again[0]) and "reminder_after" not in shown(again[0])
    resubmit = {**submits(fixed)[0]["data"], **values, "in.groups": "data science", "in.reminder_after": "24"}
    status, created = await teams.submit(resubmit, reply_to="act-form-1")
    assert status == 200 and "Typed with care" in shown(created[0]), shown(created[0])


async def test_a_french_member_gets_the_french_prompt_in_teams(teams: TeamsClient, services: Any,
                                                               clock: Any) -> None:
    form = await _card(teams, services)
    await set_member(services.db, "bob@example.com", locale="fr")
    data = {**submits(form)[0]["data"], **inputs_of(form), "in.groups": "data science",
            "in.recurrence": "FREQ=DAILY"}
    status, created = await teams.submit(data, reply_to="act-form-1")
    start = next(a for a in submits(created[0].body) if a["data"]["action_id"] == "campaign.start")
    await teams.submit(start["data"], reply_to="act-form-1")
    (prompt, *_) = await prompts_to(teams, services, clock, "a:1personal-bob")
    seen = shown(prompt)
    assert "Qu'avez-vous appris cette semaine ?" in seen and "What did you learn" not in seen
    assert "Sur un projet" in [a["title"] for a in submits(prompt.body)]
