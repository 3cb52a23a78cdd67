"""Tenant isolation on Teams (issue 12, finding 2): with a multi-tenant bot registration, any
organisation's users can reach ``/api/messages`` with a token the Bot Framework really signed, and the
e-mail ``TeamsInfo.get_member`` reports for them is whatever *their* administrators set. An activity
from a tenant outside ``[teams] allowed_tenants`` is refused (403) before any turn runs: no member, no
identity, no reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.app import build_teams
from adapters.teams.auth import BotSettings
from core.commands.router import CommandRouter
from core.errors import ConfigError
from core.registry import Registry
from core.services import Services
from tests.conftest import give_role
from tests.fakes.bot_connector import BotConnector
from tests.tables import table_counts
from tests.teams.conftest import TENANT, FakeLogin, TeamsClient, payload, settings_for

OTHER = "tenant-evil"
ADMIN = "ana@example.com"


def from_tenant(body: dict[str, Any], tenant: str, user: str) -> dict[str, Any]:
    """``body`` as a user of ``tenant`` sends it: Teams puts the tenant in channelData and conversation."""
    body["from"] = {"id": f"29:1{user}-bf-id", "name": user.title(), "aadObjectId": f"aad-{user}"}
    body["conversation"] = dict(body["conversation"], tenantId=tenant)
    if body["conversation"].get("conversationType") == "personal":
        body["conversation"]["id"] = f"a:1personal-{user}"
    body["channelData"] = dict(body.get("channelData") or {}, tenant={"id": tenant})
    return body


def impostor(connector: BotConnector, email: str = ADMIN) -> None:
    """Mallory, in another organisation whose administrators gave her the admin's address."""
    connector.members["29:1mallory-bf-id"] = {
        "id": "29:1mallory-bf-id", "name": "Mallory", "aadObjectId": "aad-mallory", "email": email,
        "userPrincipalName": email, "tenantId": OTHER, "userRole": "user"}


async def test_a_user_of_another_tenant_reporting_the_admins_email_does_not_become_the_admin(
        teams: TeamsClient, services: Services) -> None:
    await teams.say("help")                      # Ana, of the allowed tenant, is known…
    await give_role(services.db, ADMIN, "admin")  # …and admin
    impostor(teams.connector)
    before, calls = await table_counts(services.db), len(teams.connector.calls)
    body = from_tenant(payload("message_personal", teams.connector.url,
                               text="role grant admin mallory@evil.example"), OTHER, "mallory")
    status, _ = await teams.post(body)
    assert status == 403
    assert await table_counts(services.db) == before
    assert teams.connector.calls[calls:] == []    # not even a get_member: no turn ran


@pytest.mark.parametrize("name", ["message_channel", "card_submit", "invoke_card_action",
                                  "conversation_update_installed"])
async def test_every_kind_of_activity_from_another_tenant_is_refused(teams: TeamsClient, services: Services,
                                                                     name: str) -> None:
    impostor(teams.connector)
    before = await table_counts(services.db)
    status, _ = await teams.post(from_tenant(payload(name, teams.connector.url), OTHER, "mallory"))
    assert status == 403
    assert await table_counts(services.db) == before


async def test_a_tenant_is_allowed_only_if_every_tenant_the_activity_names_is(teams: TeamsClient,
                                                                              services: Services) -> None:
    before = await table_counts(services.db)
    body = from_tenant(payload("message_personal", teams.connector.url), TENANT, "mallory")
    body["conversation"]["tenantId"] = OTHER
    assert (await teams.post(body))[0] == 403
    body = from_tenant(payload("message_personal", teams.connector.url), TENANT, "mallory")
    del body["channelData"]
    del body["conversation"]["tenantId"]         # no tenant at all: nobody vouches for it
    assert (await teams.post(body))[0] == 403
    assert await table_counts(services.db) == before


async def test_an_unsigned_activity_from_another_tenant_is_still_a_401(teams: TeamsClient) -> None:
    body = from_tenant(payload("message_personal", teams.connector.url), OTHER, "mallory")
    assert (await teams.post(body, auth=None))[0] == 401


async def test_the_allowed_tenant_is_served_as_before(teams: TeamsClient) -> None:
    sent = await teams.say("help")
    assert sent and all(call.authorized for call in sent)


@pytest.fixture
async def single_tenant(services: Services, connector: BotConnector,
                        members: dict[str, Any], registry: Registry) -> AsyncIterator[TestClient]:
    """A SingleTenant registration with no list: its own tenant is the only one allowed."""
    settings = BotSettings(**{**settings_for(connector).__dict__, "APP_TYPE": "SingleTenant",
                              "APP_TENANTID": TENANT})
    adapter = build_teams(settings, CommandRouter(services, registry), services,
                          credentials_factory=FakeLogin(connector))
    services.messengers["teams"] = adapter.messenger
    app = web.Application()
    adapter.install(app)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_single_tenant_allows_its_own_tenant_by_default(single_tenant: TestClient,
                                                              connector: BotConnector,
                                                              services: Services) -> None:
    client = TeamsClient(single_tenant, connector, None)  # type: ignore[arg-type]
    assert (await client.post(payload("message_personal", connector.url)))[0] == 200
    impostor(connector)
    before = await table_counts(services.db)
    status, _ = await client.post(from_tenant(payload("message_personal", connector.url), OTHER, "mallory"))
    assert status == 403 and await table_counts(services.db) == before


def test_multi_tenant_without_a_list_of_tenants_is_refused(services: Services, connector: BotConnector,
                                                            registry: Registry) -> None:
    with pytest.raises(ConfigError, match="allowed_tenants"):
        build_teams(settings_for(connector), CommandRouter(services, registry), services,
                    credentials_factory=FakeLogin(connector))
    with pytest.raises(ConfigError, match="allowed_tenants"):
        build_teams(settings_for(connector), CommandRouter(services, registry), services,
                    credentials_factory=FakeLogin(connector), allowed_tenants=[])
