"""The Teams adapter under test: the real ``CloudAdapter`` on ``/api/messages`` in an aiohttp test server,
real JWT validation against the fake connector's JWKS (``tests/fakes/bot_connector.py``), and outbound
calls authorised by tokens the fake issued (nothing reaches Microsoft login).

Every activity Parvis sends is checked against Teams' rules (``tests/fakes/adaptive_card.py``): by the
connector for what it receives, here for the cards answered inline to an invoke. The ``connector``
fixture fails any test during which Parvis sent something Teams would refuse."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import PasswordServiceClientCredentialFactory
from msrest.authentication import Authentication, BasicTokenAuthentication

from adapters.teams.app import TeamsAdapter, build_teams
from adapters.teams.auth import BotSettings
from core.commands.router import CommandRouter
from core.registry import Registry
from core.services import Services
from tests.fakes.adaptive_card import CARD_TYPE, card_problems
from tests.fakes.bot_connector import ISSUER, MAIN, BotConnector, Call

APP_ID = "00000000-0000-0000-0000-00000000b0t1"
TENANT = "tenant-1"
PAYLOADS = Path(__file__).parent / "payloads"


class FakeLogin(PasswordServiceClientCredentialFactory):
    """Outbound credentials: a token the fake connector issued, instead of one from Microsoft login."""

    def __init__(self, connector: BotConnector) -> None:
        super().__init__(APP_ID, "secret")
        self.connector = connector

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("Invalid app_id")
        return BasicTokenAuthentication({"access_token": self.connector.issue_token()})


def settings_for(connector: BotConnector) -> BotSettings:
    return BotSettings(APP_ID=APP_ID, APP_PASSWORD="secret", APP_TYPE="MultiTenant", APP_TENANTID="",
                       TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=connector.metadata_url,
                       TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=ISSUER,
                       TO_CHANNEL_FROM_BOT_LOGIN_URL=f"{connector.url}/login",
                       TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=f"{connector.url}/.default")


def payload(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """A recorded activity with the service URL and app id filled in, top-level keys replaced."""
    text = (PAYLOADS / f"{name}.json").read_text().replace("{service_url}", service_url)
    body = json.loads(text.replace("{app_id}", APP_ID))
    body.update(copy.deepcopy(changes))
    return body


class TeamsClient:
    """Posts activities to ``/api/messages`` as Teams would, and reads what reached the connector."""

    def __init__(self, client: TestClient, connector: BotConnector, adapter: TeamsAdapter) -> None:
        self.client, self.connector, self.adapter = client, connector, adapter

    async def post(self, body: dict[str, Any], *, auth: str | None = "valid",
                   **sign: Any) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if auth == "valid":
            headers["Authorization"] = self.connector.sign(APP_ID, body.get("serviceUrl", ""), **sign)
        elif auth is not None:
            headers["Authorization"] = auth
        response = await self.client.post("/api/messages", data=json.dumps(body), headers=headers)
        content = await response.read()
        answer = json.loads(content) if content else None
        self.connector.check("invoke response", invoke_problems(answer))
        return response.status, answer

    async def say(self, text: str, *, user: str = "ana", channel: bool = False,
                  **changes: Any) -> list[Call]:
        """Send ``text`` from ``user``; the activities the bot sent back in reply."""
        body = payload("message_channel" if channel else "message_personal", self.connector.url,
                       **changes)
        body["text"] = f"<at>Parvis</at> {text}" if channel else text
        _as(body, user)
        before = len(self.connector.calls)
        status, _ = await self.post(body)
        assert status == 200, status
        return [call for call in self.connector.calls[before:] if call.body is not None]

    async def submit(self, data: dict[str, Any], *, user: str = "ana",
                     reply_to: str = "act-card-1") -> tuple[int, list[Call]]:
        body = payload("card_submit", self.connector.url, value=data, replyToId=reply_to)
        _as(body, user)
        before = len(self.connector.calls)
        status, _ = await self.post(body)
        return status, [call for call in self.connector.calls[before:] if call.body is not None]


def invoke_problems(answer: Any) -> list[str]:
    """What Teams would refuse in an invoke's inline answer: the card of an ``adaptiveCard/action``."""
    if isinstance(answer, dict) and answer.get("type") == CARD_TYPE:
        return card_problems(answer.get("value"), "$.value")
    return []


def _as(body: dict[str, Any], user: str) -> None:
    body["from"] = {"id": f"29:1{user}-bf-id", "name": user.title(), "aadObjectId": f"aad-{user}"}
    if body["conversation"].get("conversationType") == "personal":
        body["conversation"]["id"] = f"a:1personal-{user}"


@pytest.fixture(scope="session")
def connector_server() -> Iterator[BotConnector]:
    """One fake connector for the session (its keys take a moment to make)."""
    with BotConnector() as fake:
        yield fake


@pytest.fixture
def connector(connector_server: BotConnector) -> Iterator[BotConnector]:
    """The fake connector, failing the test if Parvis sent it anything Teams would refuse."""
    connector_server.violations.clear()
    yield connector_server
    found, connector_server.violations[:] = list(connector_server.violations), []
    assert not found, "Parvis sent activities Teams refuses:\n" + "\n".join(found)


@pytest.fixture
def members(connector: BotConnector) -> Iterator[dict[str, dict[str, Any]]]:
    """What ``TeamsInfo.get_member`` answers, by Bot Framework id (ana and bob by default)."""
    for user in ("ana", "bob", "chloe"):
        connector.members[f"29:1{user}-bf-id"] = {
            "id": f"29:1{user}-bf-id", "name": user.title(), "aadObjectId": f"aad-{user}",
            "email": f"{user}@example.com", "userPrincipalName": f"{user}@example.com",
            "tenantId": TENANT, "userRole": "user"}
    yield connector.members
    connector.members.clear()
    connector.failures.clear()


@pytest.fixture
async def teams(services: Services, connector: BotConnector,
                members: dict[str, Any], registry: Registry) -> AsyncIterator[TeamsClient]:
    adapter = build_teams(settings_for(connector), CommandRouter(services, registry), services,
                          credentials_factory=FakeLogin(connector), allowed_tenants=[TENANT])
    services.messengers["teams"] = adapter.messenger
    app = web.Application()
    adapter.install(app)
    await adapter.start()
    async with TestClient(TestServer(app)) as client:
        yield TeamsClient(client, connector, adapter)


__all__ = ["MAIN", "TENANT", "APP_ID", "payload"]
