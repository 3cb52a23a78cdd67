"""The charter's *Accept* button and a pilot's silence through the real Bolt app: signed slash commands
and clicks, what Slack is answered and what the fake Web API received."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from sqlmodel import select

from core.governance import charter
from core.schema import GroupMember, Member
from core.services import Services
from core.settings import GovernanceSettings, RolloutSettings
from tests.slack.conftest import LEA, Slack

VERSION = charter.load().version


def buttons(body: dict) -> list[dict]:  # type: ignore[type-arg]
    return [element for block in body.get("blocks", []) if block["type"] == "actions"
            for element in block["elements"]]


async def test_the_charter_is_accepted_with_its_button_on_slack(slack: Slack, services: Services) -> None:
    await slack.command("group create Data Science")  # Ana, with no charter required yet
    services.settings = replace(services.settings, governance=GovernanceSettings())
    status, body = await slack.command("group join data-science", user_id=LEA)
    assert status == 200 and body["response_type"] == "ephemeral"
    (accept,) = buttons(body)
    assert accept["action_id"].startswith("charter.accept") and accept["value"] == VERSION
    assert accept["style"] == "primary" and accept["text"]["text"] == "J'accepte", "Léa reads French"
    assert "Charte d'utilisation de Parvis" in str(body["blocks"])
    status, again = await slack.command("group join data-science", user_id=LEA)
    assert "Parvis a d'abord besoin" in again["text"] and buttons(again), "then a short reminder"

    status, ack = await slack.click(accept["action_id"], accept["value"], user_id=LEA)
    assert status == 200 and ack is None
    (_, answer), = await slack.api.wait_responses(1)
    assert "Merci" in answer["text"] and answer["response_type"] == "ephemeral"
    status, joined = await slack.command("group join data-science", user_id=LEA)
    assert status == 200 and "Data Science" in joined["text"] and not buttons(joined)
    async with services.db.uow() as uow:
        lea = (await uow.session.exec(select(Member).where(Member.email == "lea@example.com"))).one()
        members = (await uow.session.exec(select(GroupMember))).all()
    assert lea.charter_version == VERSION and len(members) == 2


async def test_a_pilot_outsider_gets_one_notice_then_an_empty_ack(slack: Slack, services: Services) -> None:
    services.settings = replace(services.settings,
                                rollout=RolloutSettings(mode="pilot", pilot_groups=("pilot-team",)))
    status, told = await slack.command("help", user_id=LEA)
    assert status == 200 and "pilote" in told["text"]
    for text in ("help", "group list"):
        status, body = await slack.command(text, user_id=LEA)
        assert status == 200 and body is None, "Slack shows nothing for an empty acknowledgement"
    status, ack = await slack.click("group.join", "pilot-team", user_id=LEA)
    assert status == 200 and ack is None
    await asyncio.sleep(0.3)
    assert slack.api.responses == [] and not slack.api.made("chat.postMessage"), "nothing follows a click"
