"""The charter's *Accept* card and a pilot's silence through the real botbuilder adapter (signed
activities in, what reached the fake connector out)."""

from __future__ import annotations

from dataclasses import replace

from core.governance import charter
from core.services import Services
from core.settings import GovernanceSettings, RolloutSettings
from tests.teams.conftest import TeamsClient
from tests.teams.test_commands import card, shown, submits

VERSION = charter.load().version


async def test_the_charter_card_is_accepted_with_action_submit(teams: TeamsClient,
                                                                services: Services) -> None:
    services.settings = replace(services.settings, governance=GovernanceSettings())
    sent = await teams.say("group list")
    content = card(sent[0])
    assert "Parvis usage charter" in shown(sent[0]) and "1. Respect." in shown(sent[0])
    (accept,) = submits(content)
    assert accept["data"] == {"action_id": "charter.accept", "value": VERSION} and accept["title"] == "Accept"
    status, after = await teams.submit(accept["data"], reply_to="act-charter-1")
    assert status == 200
    assert [(call.method, call.path) for call in after] == [
        ("PUT", "/v3/conversations/a:1personal-ana/activities/act-charter-1")], "the card becomes the thanks"
    assert "Thank you" in shown(after[0])
    listed = await teams.say("group list")
    assert "charter" not in shown(listed[0]).lower()


async def test_a_pilot_outsider_is_told_once_then_gets_no_reply(teams: TeamsClient,
                                                                 services: Services) -> None:
    services.settings = replace(services.settings,
                                rollout=RolloutSettings(mode="pilot", pilot_groups=("pilot-team",)))
    told = await teams.say("help", user="bob")
    assert len(told) == 1 and "pilot group" in shown(told[0])
    assert await teams.say("help", user="bob") == []
    status, sent = await teams.submit({"action_id": "group.join", "value": "pilot-team"}, user="bob")
    assert status == 200 and sent == []
