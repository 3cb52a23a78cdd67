"""Workspace isolation on Slack (issue 12, finding 2): a signed request names a workspace (``team_id``),
and ``users.info`` reports the e-mail *that* workspace's administrators set. Commands, clicks, form
submissions and events from a workspace outside ``[slack] allowed_teams`` (by default: the one
``auth.test`` reports for the bot token) are refused with 403 before anything runs; over Socket Mode
they are acknowledged and dropped, with a log line."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from adapters.slack.app import build_slack
from core.commands.router import CommandRouter
from core.errors import ConfigError
from core.registry import Registry
from core.services import Services
from tests.conftest import give_role
from tests.fakes.slack_api import APP_TOKEN, TEAM, FakeSlackApi, user
from tests.fakes.slack_socket import FakeSocketMode
from tests.slack.conftest import ANA, Slack, payload, slack_config
from tests.tables import table_counts

OTHER = "T0EVIL"
MALLORY = "U0MAL"
ADMIN = "ana@example.com"
FORM = "application/x-www-form-urlencoded"


def mallory(api: FakeSlackApi) -> None:
    """A user of another workspace whose administrators gave her the admin's address."""
    api.users[MALLORY] = user(MALLORY, ADMIN, "Mallory") | {"team_id": OTHER}


def command(api: FakeSlackApi, text: str, team: str = OTHER, user_id: str = MALLORY) -> str:
    return urlencode(payload("slash_command") | {"text": text, "team_id": team, "user_id": user_id,
                                                "response_url": api.response_url("evil")})


def click(team: str, user_team: str) -> dict[str, Any]:
    body = payload("block_actions")
    body["team"]["id"], body["user"]["team_id"], body["user"]["id"] = team, user_team, MALLORY
    return body


async def admin_ana(slack: Slack, services: Services) -> None:
    status, _ = await slack.command("help")
    assert status == 200
    await give_role(services.db, ADMIN, "admin")


async def test_a_command_from_another_workspace_reporting_the_admins_email_is_refused(
        slack: Slack, services: Services) -> None:
    await admin_ana(slack, services)
    mallory(slack.api)
    before, calls = await table_counts(services.db), len(slack.api.calls)
    status, _ = await slack.post(command(slack.api, "role grant admin mallory@evil.example"), FORM)
    assert status == 403
    assert await table_counts(services.db) == before
    assert slack.api.calls[calls:] == [] and slack.api.responses == []


@pytest.mark.parametrize(("team", "user_team"), [(OTHER, OTHER), (TEAM, OTHER)],
                         ids=["other-workspace", "external-user-in-a-shared-channel"])
async def test_a_click_from_another_workspace_is_refused(slack: Slack, services: Services, team: str,
                                                         user_team: str) -> None:
    await admin_ana(slack, services)
    mallory(slack.api)
    before = await table_counts(services.db)
    status, _ = await slack.interact(click(team, user_team))
    assert status == 403
    assert await table_counts(services.db) == before


async def test_a_form_submission_from_another_workspace_is_refused(slack: Slack, services: Services) -> None:
    mallory(slack.api)
    body = payload("view_submission")
    body["team"]["id"] = body["user"]["team_id"] = body["view"]["team_id"] = OTHER
    body["user"]["id"] = MALLORY
    before = await table_counts(services.db)
    status, _ = await slack.interact(body)
    assert status == 403 and await table_counts(services.db) == before


@pytest.mark.parametrize("name", ["app_home_opened", "member_joined_channel"])
async def test_an_event_from_another_workspace_is_refused(slack: Slack, services: Services,
                                                          name: str) -> None:
    mallory(slack.api)
    body = payload(name)
    body["team_id"] = OTHER
    body["event"].update(user=MALLORY, **({"team": OTHER} if "team" in body["event"] else {}))
    before, calls = await table_counts(services.db), len(slack.api.calls)
    status, _ = await slack.post(json.dumps(body), "application/json")
    assert status == 403
    assert await table_counts(services.db) == before
    assert [call.method for call in slack.api.calls[calls:]] in ([], ["auth.test"])  # Bolt's, once


async def test_the_default_is_the_workspace_of_the_bot_token(slack: Slack, services: Services) -> None:
    assert slack.api.made("auth.test")
    assert (await slack.command("help"))[0] == 200
    assert services.tenancy.allows("slack", TEAM) and not services.tenancy.allows("slack", OTHER)


@pytest.fixture
async def listed(api: FakeSlackApi, services: Services, registry: Registry) -> AsyncIterator[Slack]:
    """Two workspaces of one Enterprise Grid organisation, listed explicitly."""
    adapter = build_slack(slack_config(api, allowed_teams=[TEAM, "T0SECOND"]), services,
                          CommandRouter(services, registry))
    app = web.Application()
    adapter.install(app)
    app.cleanup_ctx.append(adapter.lifetime)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Slack(client, api, adapter)


async def test_listed_workspaces_are_served_and_no_other(listed: Slack, services: Services) -> None:
    mallory(listed.api)
    assert (await listed.post(command(listed.api, "help", team="T0SECOND"), FORM))[0] == 200
    assert (await listed.post(command(listed.api, "help", team=OTHER), FORM))[0] == 403
    assert (await listed.command("help", user_id=ANA))[0] == 200


async def test_an_organisation_wide_install_must_list_its_workspaces(api: FakeSlackApi, services: Services,
                                                                     registry: Registry) -> None:
    api._m_auth_test = lambda args: {  # type: ignore[method-assign]
        "ok": True, "url": "https://grid.enterprise.slack.com/", "team": "Grid", "user": "parvis",
        "team_id": "E0GRID", "enterprise_id": "E0GRID", "user_id": "UPARVISBOT", "bot_id": "BPARVIS",
        "is_enterprise_install": True}
    adapter = build_slack(slack_config(api), services, CommandRouter(services, registry))
    with pytest.raises(ConfigError, match="allowed_teams"):
        await adapter.start()


@pytest.fixture
async def socket(api: FakeSlackApi) -> AsyncIterator[FakeSocketMode]:
    server = await FakeSocketMode().start()
    api.ws_url = server.url
    yield server
    await server.stop()


async def test_socket_mode_drops_another_workspace_with_a_log_line(
        api: FakeSlackApi, socket: FakeSocketMode, services: Services,
        caplog: pytest.LogCaptureFixture, registry: Registry) -> None:
    config = slack_config(api, socket_mode=True, app_token=SecretStr(APP_TOKEN), signing_secret=None)
    adapter = build_slack(config, services, CommandRouter(services, registry))
    await adapter.start()
    await socket.connected.wait()
    try:
        mallory(api)
        before, calls = await table_counts(services.db), len(api.calls)
        body = payload("slash_command") | {"text": "help", "team_id": OTHER, "user_id": MALLORY,
                                           "response_url": api.response_url("evil")}
        with caplog.at_level(logging.WARNING, logger="adapters.slack"):
            ack = await socket.reply(await socket.send("slash_commands", body))
        assert "payload" not in ack
        assert await table_counts(services.db) == before
        assert [call.method for call in api.calls[calls:]] in ([], ["auth.test"])  # Bolt's, once
        assert any(OTHER in record.getMessage() for record in caplog.records)
    finally:
        await adapter.stop()
