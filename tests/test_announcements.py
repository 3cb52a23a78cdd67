"""An announcement to a group linked to a Slack channel and a Teams channel: both fakes run at once,
each channel's post is a delivery of its own — one platform failing neither stops nor repeats the
other, and the failed one is retried through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core.delivery.dispatcher import Dispatcher
from core.ports import FakeClock
from core.schema import Announcement, Delivery
from core.services import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import Slack, api, slack  # noqa: F401 — fixtures
from tests.teams.conftest import (  # noqa: F401 — fixtures
    TeamsClient,
    connector,
    connector_server,
    members,
    teams,
)

TEXT = "Meetup on Friday at 5"
TEAMS_CHANNEL = "/v3/conversations/19:general@thread.tacv2"


async def linked_both_ways(slack: Slack, teams: TeamsClient) -> int:  # noqa: F811
    """Ana creates Data Science in Slack, links a Slack channel, then (the same person on Teams, by
    e-mail) a Teams channel; how many calls the (shared) connector had seen by then."""
    status, ack = await slack.command("group create Data Science")
    assert status == 200 and "Data Science" in ack["text"]
    _, linked = await slack.command("group link data-science", channel="C0DATA")
    assert "linked" in linked["text"]
    assert await teams.say("group link data-science", channel=True)
    return len(teams.connector.calls)


def slack_posts(api: FakeSlackApi) -> list[str]:  # noqa: F811
    return [call.args["text"] for call in api.made("chat.postMessage")
            if call.args.get("channel") == "C0DATA" and TEXT in call.args.get("text", "")]


def teams_posts(teams: TeamsClient, since: int) -> list[object]:  # noqa: F811
    return [call for call in teams.connector.calls[since:] if call.path.startswith(TEAMS_CHANNEL)
            and call.status == 200 and TEXT in str(call.body)]


async def statuses(services: Services) -> dict[str, str]:
    async with services.db.uow() as uow:
        statement = select(Delivery).where(Delivery.purpose == "group.announcement")
        rows = (await uow.session.exec(statement)).all()
    return {row.target_id: row.status for row in rows}


async def test_an_announcement_reaches_the_slack_and_the_teams_channel(
        slack: Slack, teams: TeamsClient, services: Services) -> None:  # noqa: F811
    since = await linked_both_ways(slack, teams)
    status, ack = await slack.command(f"group announce data-science {TEXT}")
    assert status == 200 and "2" in ack["text"]
    assert len(slack_posts(slack.api)) == 1 and len(teams_posts(teams, since)) == 1
    assert set((await statuses(services)).values()) == {"sent"}
    async with services.db.uow() as uow:
        (announcement,) = (await uow.session.exec(select(Announcement))).all()
    assert announcement.text == TEXT


@pytest.mark.parametrize("failing", ["slack", "teams"])
async def test_one_platform_failing_neither_stops_nor_repeats_the_other(
        slack: Slack, teams: TeamsClient, services: Services, clock: FakeClock,  # noqa: F811
        failing: str) -> None:
    since = await linked_both_ways(slack, teams)
    if failing == "slack":
        slack.api.unavailable("chat.postMessage", status=503)
    else:
        teams.connector.fail_next(500)
    status, _ = await slack.command(f"group announce data-science {TEXT}")
    assert status == 200
    assert len(slack_posts(slack.api)) == (0 if failing == "slack" else 1)
    assert len(teams_posts(teams, since)) == (0 if failing == "teams" else 1)
    assert sorted((await statuses(services)).values()) == ["pending", "sent"]

    clock.advance(timedelta(minutes=10))
    await Dispatcher(services).run_once()
    assert len(slack_posts(slack.api)) == 1 and len(teams_posts(teams, since)) == 1  # each once
    assert set((await statuses(services)).values()) == {"sent"}
