"""The adapter as ``parvis serve`` builds it: ``[teams]`` in the configuration turns it on through the
bootstrap hook, its messenger is registered, and its endpoint
validates tokens against the configured (here: fake) OpenID metadata."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlmodel import select

from adapters.teams import auth
from adapters.teams.settings import TeamsConfig
from bots.bootstrap import build_app
from bots.config import Config, SchedulerConfig, ServerConfig
from core.errors import ConfigError
from core.registry import Registry
from core.schema import Identity
from tests.fakes.bot_connector import ISSUER, BotConnector
from tests.teams.conftest import APP_ID, TENANT, FakeLogin, payload


def teams_config(connector: BotConnector, **changes: object) -> TeamsConfig:
    values: dict[str, object] = dict(
        app_id=APP_ID, app_password=SecretStr("secret"), allowed_tenants=[TENANT],
        openid_metadata_url=connector.metadata_url,
        token_issuer=ISSUER, login_url=f"{connector.url}/login", oauth_scope=f"{connector.url}/.default")
    values.update(changes)
    return TeamsConfig(**values)  # type: ignore[arg-type]


async def test_configured_teams_is_served_by_the_app(services, registry: Registry, connector: BotConnector,
                                                     members, monkeypatch: pytest.MonkeyPatch) -> None:
    # Microsoft login is outside the machine: the bot's outbound token comes from the fake instead.
    monkeypatch.setattr(auth, "ConfigurationServiceClientCredentialFactory",
                        lambda configuration: FakeLogin(connector))
    config = Config(teams=teams_config(connector), scheduler=SchedulerConfig(enabled=False))
    app = build_app(config, services, registry)
    assert "teams" in services.messengers
    async with TestClient(TestServer(app)) as client:
        body = payload("conversation_update_installed", connector.url)
        header = connector.sign(APP_ID, connector.url)
        response = await client.post("/api/messages", json=body, headers={"Authorization": header})
        assert response.status == 200
        refused = await client.post("/api/messages", json=body)
        assert refused.status == 401
    async with services.db.uow() as uow:
        bob = (await uow.session.exec(select(Identity).where(Identity.user_id == "aad-bob"))).one()
    assert bob.conversation["service_url"] == connector.url


def test_warm_keys_fetches_the_metadata(connector: BotConnector) -> None:
    import asyncio

    settings = auth.BotSettings(APP_ID=APP_ID, APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="",
                                TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=connector.metadata_url + "?warm")
    before = connector.metadata_fetches
    assert asyncio.run(auth.warm_keys(settings)) is True
    assert connector.metadata_fetches == before + 1
    broken = auth.BotSettings(APP_ID=APP_ID, APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="",
                              TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=f"{connector.url}/missing")
    assert asyncio.run(auth.warm_keys(broken)) is False


def test_emulator_mode_refused_on_a_public_address(services, registry) -> None:
    config = Config(teams=TeamsConfig(emulator=True), server=ServerConfig(host="0.0.0.0"),
                    scheduler=SchedulerConfig(enabled=False))
    with pytest.raises(ConfigError, match="loopback"):
        build_app(config, services, registry)


def test_single_tenant_without_tenant_is_a_config_error(services, registry: Registry,
                                                         connector: BotConnector) -> None:
    config = Config(teams=teams_config(connector, app_type="SingleTenant"),
                    scheduler=SchedulerConfig(enabled=False))
    with pytest.raises(ConfigError, match=r"\[teams\]"):
        build_app(config, services, registry)
