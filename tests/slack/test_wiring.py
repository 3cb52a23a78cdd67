"""The composition root turns Slack on from ``[slack]``: route, messenger and lifetime."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from adapters.slack.messenger import SlackMessenger
from adapters.slack.settings import SlackConfig
from bots.bootstrap import build_app, build_services
from bots.config import Config, DatabaseConfig
from core.capabilities import build_registry


def test_a_configured_slack_is_mounted_on_slack_events(tmp_path: Path) -> None:
    config = Config(database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"),
                    slack=SlackConfig(bot_token=SecretStr("xoxb-1"), signing_secret=SecretStr("s"),
                                      api_base_url="http://127.0.0.1:9/api/"))
    registry = build_registry()
    services = build_services(config, registry)
    app = build_app(config, services, registry)
    routes = {(route.method, route.resource.canonical) for route in app.router.routes() if route.resource}
    assert ("POST", "/slack/events") in routes
    assert isinstance(services.messengers["slack"], SlackMessenger)
    assert services.messengers["slack"].client.base_url == "http://127.0.0.1:9/api/"


def test_socket_mode_without_a_signing_secret_mounts_no_route(tmp_path: Path) -> None:
    config = Config(database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"),
                    slack=SlackConfig(bot_token=SecretStr("xoxb-1"), app_token=SecretStr("xapp-1"),
                                      socket_mode=True))
    app = build_app(config)
    assert not any(getattr(r.resource, "canonical", "") == "/slack/events" for r in app.router.routes())
