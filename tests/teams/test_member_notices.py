"""Members told of what others changed for them, on Teams (issue 19, part 7), through the real
botbuilder path and the fake Bot Connector: a role granted by an admin, an addition to a private
group and the ownership inherited when its last owner leaves each reach the member's personal chat
as a proactive message."""

from __future__ import annotations

import re
from typing import Any

from core.services import Services
from tests.conftest import give_role
from tests.teams.conftest import TeamsClient


def posts_to(teams: TeamsClient, since: int, conversation: str) -> list[str]:
    """The texts of the activities the bot posted to ``conversation`` since call ``since``."""
    return [str(call.body) for call in teams.connector.calls[since:]
            if call.method == "POST" and call.body is not None and "/activities" in call.path
            and conversation in call.path]


def text_of(calls: list[Any]) -> str:
    return " ".join(str(call.body) for call in calls)


async def test_bob_is_told_of_his_new_role_and_his_group(teams: TeamsClient, services: Services) -> None:
    since = len(teams.connector.calls)  # the fake connector serves the whole session
    for who in ("ana", "bob"):  # both known on Teams: their personal chats can be reached
        await teams.say("help", user=who)
    await give_role(services.db, "ana@example.com", "admin")
    granted = await teams.say("role grant animator bob@example.com")
    assert "animator" in text_of(granted)
    told = posts_to(teams, since, "personal-bob")
    assert any("Ana gave you the role" in body and "animator" in body for body in told), told

    created = text_of(await teams.say("group create Data guild --private"))
    found = re.search(r"data-guild-[a-z0-9]+", created)
    assert found, created
    slug = found.group(0)
    await teams.say(f"group add {slug} bob@example.com")
    told = posts_to(teams, since, "personal-bob")
    assert any("Ana added you to the group" in body and slug in body for body in told), told
    left = text_of(await teams.say(f"group leave {slug}"))
    assert "Bob is now its owner" in left, left
    told = posts_to(teams, since, "personal-bob")
    assert any("you are now its owner" in body for body in told), told
