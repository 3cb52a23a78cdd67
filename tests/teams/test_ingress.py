"""What reaches a turn (issue 12, finding 7): an authenticated, structurally complete activity.

Order on ``/api/messages``: the JSON is read (botbuilder authenticates against the activity's
``channelId`` and ``serviceUrl``), the token is checked (401 for any failure, whatever the body), then
the activity's structure (400, so only an authenticated caller learns what was wrong with it), then
the turn. A turn whose reply cannot be sent is logged and still answered 2xx: the channel must not
resend a message that was already handled.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from msrest.authentication import Authentication
from sqlmodel import select

from adapters.teams.app import build_teams
from core.commands.router import CommandRouter
from core.registry import Registry
from core.schema import Group, Identity, Member
from core.services import Services
from tests.fakes.bot_connector import BotConnector
from tests.teams.conftest import APP_ID, TENANT, FakeLogin, TeamsClient, payload, settings_for

SECRET_TEXT = "group create Whistleblowers"


async def _nothing_written(services: Services) -> None:
    async with services.db.uow() as uow:
        assert (await uow.session.exec(select(Member))).all() == []
        assert (await uow.session.exec(select(Identity))).all() == []


INVALID = {
    "bare-message": lambda url: {"type": "message"},
    "bare-message-with-text": lambda url: {"type": "message", "text": "help", "serviceUrl": url},
    "no-conversation": lambda url: _drop(payload("message_personal", url), "conversation"),
    "no-from": lambda url: _drop(payload("message_personal", url), "from"),
    "no-service-url": lambda url: _drop(payload("message_personal", url), "serviceUrl"),
    "no-recipient": lambda url: _drop(payload("message_personal", url), "recipient"),
    "conversation-without-id": lambda url: payload("message_personal", url, conversation={"tenantId": "t"}),
    "from-without-id": lambda url: payload("message_personal", url, **{"from": {"name": "Ana"}}),
    "service-url-not-http": lambda url: payload("message_personal", url, serviceUrl="file:///etc/passwd"),
    "invoke-without-conversation": lambda url: _drop(payload("invoke_card_action", url), "conversation"),
    "update-without-from": lambda url: _drop(payload("conversation_update_installed", url), "from"),
}


def _drop(body: dict[str, Any], key: str) -> dict[str, Any]:
    del body[key]
    return body


@pytest.mark.parametrize("name", list(INVALID))
async def test_a_structurally_invalid_activity_is_400_and_runs_nothing(teams: TeamsClient, services: Services,
                                                                      name: str) -> None:
    body = INVALID[name](teams.connector.url)
    before = len(teams.connector.calls)
    # a token for the activity's own serviceUrl (botbuilder checks the claim when the activity has one)
    header = teams.connector.sign(APP_ID, body.get("serviceUrl", teams.connector.url))
    status, _ = await teams.post(body, auth=header)
    assert status == 400
    assert teams.connector.calls[before:] == []
    await _nothing_written(services)


@pytest.mark.parametrize("name", list(INVALID))
async def test_an_unauthenticated_invalid_activity_is_401_not_400(teams: TeamsClient, services: Services,
                                                                  name: str) -> None:
    for auth in (None, "Bearer not-a-jwt"):
        status, _ = await teams.post(INVALID[name](teams.connector.url), auth=auth)
        assert status == 401, auth
    await _nothing_written(services)


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"text": "no type"}', '{"type": 3}', "null"])
async def test_a_body_that_is_no_activity_is_401_unauthenticated_and_400_authenticated(
        teams: TeamsClient, body: str) -> None:
    headers = {"Content-Type": "application/json"}
    response = await teams.client.post("/api/messages", data=body, headers=headers)
    assert response.status == 401
    headers["Authorization"] = teams.connector.sign(APP_ID, teams.connector.url)
    response = await teams.client.post("/api/messages", data=body, headers=headers)
    assert response.status == 400


async def test_a_refusal_logs_its_reason_never_the_text(teams: TeamsClient,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what `parvis serve` logs (bots/cli.py)
    body = _drop(payload("message_personal", teams.connector.url, text=SECRET_TEXT), "conversation")
    status, _ = await teams.post(body)
    assert status == 400
    assert "Whistleblowers" not in caplog.text
    assert "conversation" in caplog.text


# --- a reply that cannot be sent ----------------------------------------------------------------------


class NoLogin(FakeLogin):
    """Microsoft login refuses the bot (a wrong or expired app password, an AAD outage)."""

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        raise PermissionError("AADSTS7000215: Invalid client secret provided")


@pytest.fixture
async def no_login(services: Services, connector: BotConnector,
                   members: dict[str, Any], registry: Registry) -> AsyncIterator[TeamsClient]:
    adapter = build_teams(settings_for(connector), CommandRouter(services, registry), services,
                          credentials_factory=NoLogin(connector), allowed_tenants=[TENANT])
    app = web.Application()
    adapter.install(app)
    async with TestClient(TestServer(app)) as client:
        yield TeamsClient(client, connector, adapter)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.levelno == logging.WARNING and record.name.startswith("adapters.teams")]


async def test_no_outbound_token_is_logged_and_answered_2xx(no_login: TeamsClient,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # what `parvis serve` logs (bots/cli.py)
    for name in ("message_personal", "invoke_card_action"):
        body = payload(name, no_login.connector.url, text=SECRET_TEXT)
        status, _ = await no_login.post(body)
        assert 200 <= status < 300, (name, status)
    warnings = _warnings(caplog)
    assert len(warnings) == 2
    assert "1700000000001" in warnings[0] and "a:1personal-ana" in warnings[0]
    assert "Whistleblowers" not in caplog.text


async def test_a_reply_the_connector_refuses_is_logged_and_answered_2xx(
        teams: TeamsClient, services: Services, caplog: pytest.LogCaptureFixture) -> None:
    await teams.say("help")  # the member's details are cached: the next failure hits the reply
    caplog.set_level(logging.INFO)  # what `parvis serve` logs (bots/cli.py)
    teams.connector.fail_next(503, times=5)
    body = payload("message_personal", teams.connector.url, text=SECRET_TEXT, id="act-503")
    status, _ = await teams.post(body)
    assert status == 200
    async with services.db.uow() as uow:
        assert [group.name for group in (await uow.session.exec(select(Group))).all()] == ["Whistleblowers"]
    warnings = _warnings(caplog)
    assert len(warnings) == 1 and "act-503" in warnings[0] and "a:1personal-ana" in warnings[0]
    assert "Whistleblowers" not in caplog.text
    teams.connector.failures.clear()


async def test_the_activity_body_is_never_echoed(teams: TeamsClient) -> None:
    body = json.dumps({"type": "message", "text": SECRET_TEXT})
    headers = {"Content-Type": "application/json",
               "Authorization": teams.connector.sign(APP_ID, teams.connector.url)}
    response = await teams.client.post("/api/messages", data=body, headers=headers)
    assert response.status == 400 and "Whistleblowers" not in await response.text()
