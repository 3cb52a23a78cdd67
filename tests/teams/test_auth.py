"""Inbound authentication: botbuilder's real JWT validation against the fake connector's keys.

Only a token signed by a published key endorsed for ``msteams``, issued by the channel, for our app id,
for this service URL and not expired gets through; everything else is a 401 and runs nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.schema import Identity
from tests.fakes.bot_connector import NARROW, OTHER
from tests.teams.conftest import APP_ID, TeamsClient, payload


async def _nothing_ran(teams: TeamsClient, services, before: int) -> None:
    assert [c for c in teams.connector.calls[before:] if c.path.startswith("/v3/")] == []
    async with services.db.uow() as uow:
        assert (await uow.session.exec(select(Identity))).all() == []


async def test_signed_activity_is_answered(teams: TeamsClient) -> None:
    sent = await teams.say("help")
    assert sent and sent[0].authorized
    assert sent[0].path == "/v3/conversations/a:1personal-ana/activities/1700000000001"


@pytest.mark.parametrize("auth, sign", [
    (None, {}),
    ("Bearer not-a-jwt", {}),
    ("Basic dXNlcjpwYXNz", {}),
    ("valid", {"key": OTHER}),
    ("valid", {"key": NARROW}),
    ("valid", {"expires_in": -3600}),
    ("valid", {"audience": "someone-else"}),
    ("valid", {"issuer": "https://evil.example.com"}),
], ids=["unsigned", "garbage", "basic", "unpublished-key", "not-endorsed", "expired", "other-audience",
        "other-issuer"])
async def test_refused_with_401_and_nothing_runs(teams: TeamsClient, services, auth, sign) -> None:
    before = len(teams.connector.calls)
    status, _ = await teams.post(payload("message_personal", teams.connector.url), auth=auth, **sign)
    assert status == 401
    await _nothing_ran(teams, services, before)


async def test_token_for_another_service_url_is_refused(teams: TeamsClient, services) -> None:
    body = payload("message_personal", teams.connector.url)
    header = teams.connector.sign(APP_ID, "https://smba.trafficmanager.net/emea/")
    before = len(teams.connector.calls)
    status, _ = await teams.post(body, auth=header)
    assert status == 401
    await _nothing_ran(teams, services, before)


async def test_invoke_with_bad_token_is_401_too(teams: TeamsClient, services) -> None:
    before = len(teams.connector.calls)
    status, _ = await teams.post(payload("invoke_card_action", teams.connector.url), auth=None)
    assert status == 401
    await _nothing_ran(teams, services, before)


async def test_not_json_or_not_an_activity(teams: TeamsClient) -> None:
    """Unauthenticated, a body that is no activity is a 401 like any other (test_ingress.py: a 400 only
    with a valid token)."""
    response = await teams.client.post("/api/messages", data="hello", headers={"Content-Type": "text/plain"})
    assert response.status == 415
    for body in ("{not json", "[1, 2]", '{"text": "no type"}'):
        response = await teams.client.post("/api/messages", data=body,
                                           headers={"Content-Type": "application/json"})
        assert response.status == 401


async def test_keys_are_fetched_at_start_not_per_request(teams: TeamsClient) -> None:
    fetches = teams.connector.metadata_fetches
    await teams.say("help")
    await teams.say("help")
    assert teams.connector.metadata_fetches == fetches


async def test_emulator_mode_accepts_unsigned_activities_on_loopback(services, connector, registry) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from adapters.teams.app import build_teams
    from adapters.teams.auth import BotSettings
    from core.commands.router import CommandRouter

    emulator = BotSettings(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = build_teams(emulator, CommandRouter(services, registry), services, host="::1")
    app = web.Application()
    adapter.install(app)
    before = len(connector.calls)
    body = payload("message_personal", connector.url)
    body["channelId"] = "emulator"
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json=body)
        assert response.status == 200
    replies = [c for c in connector.calls[before:] if c.path.startswith("/v3/conversations/a:1personal-ana")]
    assert replies and not replies[0].authorized  # the Emulator gets no bot token
