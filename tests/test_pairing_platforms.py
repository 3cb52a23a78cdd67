"""Coffee pairing through the real adapters: in the console the pair's conversation printed once;
on Slack a group DM opened with ``conversations.open`` and the *We met* click recorded; on Teams a
1:1 to each naming the other and the click recorded; a pair spanning Slack and Teams introduced on
each side with the other's name and e-mail."""

from __future__ import annotations

import io
import json

from sqlmodel import select

from adapters.console.app import attach_messenger
from adapters.console.outbound import Screen
from core.delivery.dispatcher import Dispatcher
from core.pairing import rounds
from core.schema import Delivery, Pairing
from core.services import Services
from tests.fakes.slack_api import user
from tests.slack.conftest import ANA, LEA, Slack, api, slack  # noqa: F401 — fixtures
from tests.teams.conftest import (  # noqa: F401 — fixtures
    TeamsClient,
    connector,
    connector_server,
    members,
    teams,
)

BEN = "U0BEN"


async def _pairs(services: Services) -> list[Pairing]:
    async with services.db.uow() as uow:
        return list((await uow.session.exec(select(Pairing))).all())


async def _statuses(services: Services) -> list[str]:
    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).where(Delivery.purpose == rounds.INTRO))).all()
    return sorted(row.status for row in rows)


async def test_a_slack_pair_meets_in_a_group_dm_and_answers_with_a_button(
        slack: Slack, services: Services) -> None:  # noqa: F811
    await slack.command("group create Data Science")
    status, ack = await slack.command("group pairing on data-science")
    assert status == 200 and "Coffee pairing is on" in ack["text"]
    for who in (ANA, LEA):
        if who != ANA:
            await slack.command("group join data-science", user_id=who)
        await slack.command("pairing join data-science", user_id=who)
    assert await rounds.make_due(services) == 1
    await Dispatcher(services).run_once()
    [opened] = slack.api.made("conversations.open")
    assert sorted(opened.args["users"].split(",")) == sorted([ANA, LEA])
    group_dm = next(iter(slack.api.group_dms.values()))
    [intro] = [call for call in slack.api.made("chat.postMessage") if call.args.get("channel") == group_dm]
    assert "Ana Martin" in intro.args["text"] and "Léa Dubois" in intro.args["text"]
    # Léa reads French, Ana English: the group DM says it in both
    assert "break the ice" in intro.args["text"] and "briser la glace" in intro.args["text"]
    blocks = json.dumps(intro.args["blocks"])
    assert "pairing.met" in blocks and "We met" in blocks  # in the first reader's language
    assert await _statuses(services) == ["sent"]
    [pair] = await _pairs(services)
    status, _ = await slack.click("pairing.met", str(pair.id), user_id=LEA)
    assert status == 200
    [pair] = await _pairs(services)
    assert pair.outcome == "met"


async def test_a_stranger_cannot_answer_for_a_slack_pair(slack: Slack, services: Services) -> None:  # noqa: F811
    slack.api.users[BEN] = user(BEN, "ben@example.com", "Ben Stone")
    await slack.command("group create Data Science")
    await slack.command("group pairing on data-science")
    await slack.command("group join data-science", user_id=LEA)
    for who in (ANA, LEA):
        await slack.command("pairing join data-science", user_id=who)
    await rounds.make_due(services)
    [pair] = await _pairs(services)
    await slack.click("pairing.missed", str(pair.id), user_id=BEN)
    [pair] = await _pairs(services)
    assert pair.outcome is None


async def test_a_teams_pair_gets_a_one_to_one_each_naming_the_other(
        teams: TeamsClient, services: Services) -> None:  # noqa: F811
    assert await teams.say("group create Data Science")
    assert await teams.say("group pairing on data-science")
    assert await teams.say("group join data-science", user="bob")
    for who in ("ana", "bob"):
        assert await teams.say("pairing join data-science", user=who)
    since = len(teams.connector.calls)
    assert await rounds.make_due(services) == 1
    await Dispatcher(services).run_once()
    sent = [call for call in teams.connector.calls[since:] if call.body is not None
            and "/activities" in call.path and "Data Science" in json.dumps(call.body)]
    assert len(sent) == 2
    bodies = {call.path: json.dumps(call.body) for call in sent}
    assert len(bodies) == 2  # two conversations, one each
    assert any("Bob" in body and "Ana" not in body.split("paired with")[1][:40] for body in bodies.values())
    assert all("pairing.met" in body for body in bodies.values())
    [pair] = await _pairs(services)
    status, _ = await teams.submit({"action_id": "pairing.met", "value": str(pair.id)}, user="bob")
    assert status == 200
    [pair] = await _pairs(services)
    assert pair.outcome == "met"


async def test_a_pair_across_slack_and_teams_is_introduced_on_each_side(
        slack: Slack, teams: TeamsClient, services: Services) -> None:  # noqa: F811
    await slack.command("group create Data Science")
    await slack.command("group pairing on data-science")
    await slack.command("pairing join data-science")
    assert await teams.say("group join data-science", user="bob")
    assert await teams.say("pairing join data-science", user="bob")
    since = len(teams.connector.calls)
    await rounds.make_due(services)
    await Dispatcher(services).run_once()
    assert slack.api.made("conversations.open") == []
    [to_ana] = [call for call in slack.api.made("chat.postMessage") if "Data Science" in call.args["text"]
                and "break the ice" in call.args["text"]]
    assert "bob@example.com" in to_ana.args["text"] and "Microsoft Teams" in to_ana.args["text"]
    [to_bob] = [call for call in teams.connector.calls[since:] if call.body is not None
                and "break the ice" in json.dumps(call.body)]
    assert "ana@example.com" in json.dumps(to_bob.body) and "Slack" in json.dumps(to_bob.body)
    assert await _statuses(services) == ["sent", "sent"]


async def test_a_console_pair_sees_its_introduction_once(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    attach_messenger(services, Screen(out), "ana@example.com")
    assert not (await chat("ana@example.com").say("group create Data Science")).error
    assert not (await chat("ana@example.com").say("group pairing on data science")).error
    assert not (await chat("bob@example.com").say("group join data-science")).error
    for email in ("ana@example.com", "bob@example.com"):
        assert not (await chat(email).say("pairing join data-science")).error
    await rounds.make_due(services)
    await Dispatcher(services).run_once()
    await Dispatcher(services).run_once()
    text = out.getvalue()
    assert text.count("── message to you ──") == 1 and text.count("break the ice") == 1
    assert "Ana" in text and "Bob" in text and "We met" in text
