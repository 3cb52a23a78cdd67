"""``parvis slack manifest``: a manifest Slack accepts, checked against the keys Slack documents
(slackapi/manifest-schema ``manifest.schema.1.0.0.json``, summarised in PLATFORM_FACTS §7)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.slack import manifest
from bots.cli import main

TOP = {"_metadata", "display_information", "features", "oauth_config", "settings"}
DISPLAY = {"name", "description", "long_description", "background_color"}
FEATURES = {"app_home", "bot_user", "shortcuts", "slash_commands", "unfurl_domains", "workflow_steps"}
APP_HOME = {"home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"}
COMMAND = {"command", "description", "url", "usage_hint", "should_escape"}
SETTINGS = {"allowed_ip_address_ranges", "event_subscriptions", "interactivity", "org_deploy_enabled",
            "socket_mode_enabled", "token_rotation_enabled", "incoming_webhooks", "is_hosted",
            "function_runtime", "siws_links"}
EVENTS = {"request_url", "bot_events", "user_events", "metadata_subscriptions"}
INTERACTIVITY = {"is_enabled", "request_url", "message_menu_options_url"}
#: What each bot scope lets Parvis do; a scope not listed here is one Parvis does not use.
USED_SCOPES = {"commands", "chat:write", "chat:write.public", "users:read", "users:read.email",
               "channels:read", "groups:read", "channels:manage", "groups:write", "files:write",
               "mpim:write"}


def validate(document: dict[str, Any]) -> None:
    assert set(document) <= TOP and {"display_information"} <= set(document)
    info = document["display_information"]
    assert set(info) <= DISPLAY and 0 < len(info["name"]) <= 35 and len(info["description"]) <= 140
    assert 175 <= len(info["long_description"]) <= 4000
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    features = document["features"]
    assert set(features) <= FEATURES and set(features["app_home"]) <= APP_HOME
    assert len(features["bot_user"]["display_name"]) <= 80
    assert 0 < len(features["slash_commands"]) <= 50
    for command in features["slash_commands"]:
        assert set(command) <= COMMAND and re.fullmatch(r"/[a-z0-9_\-]{1,31}", command["command"])
        assert 0 < len(command["description"]) <= 2000 and len(command.get("usage_hint", "")) <= 1000
        assert "url" not in command or re.fullmatch(r"https?://\S{1,2990}", command["url"])
    scopes = document["oauth_config"]["scopes"]
    assert set(scopes) <= {"bot", "user", "bot_optional", "user_optional"}
    assert set(scopes["bot"]) == USED_SCOPES and len(scopes["bot"]) <= 255
    settings = document["settings"]
    assert set(settings) <= SETTINGS and set(settings["interactivity"]) <= INTERACTIVITY
    assert isinstance(settings["interactivity"]["is_enabled"], bool)
    events = settings["event_subscriptions"]
    assert set(events) <= EVENTS and len(events["bot_events"]) <= 100
    if not settings["socket_mode_enabled"]:
        assert settings["event_subscriptions"]["request_url"] == settings["interactivity"]["request_url"]


def test_the_http_manifest_is_valid_and_points_at_slack_events(tmp_path: Path, capsys) -> None:
    config = tmp_path / "parvis.toml"
    config.write_text('[slack]\naliases = ["/ask", "/expert", "/group", "/campaign"]\n')
    assert main(["slack", "manifest", "--url", "https://parvis.example.com/", "--config", str(config)]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    validate(document)
    commands = [c["command"] for c in document["features"]["slash_commands"]]
    assert commands == ["/parvis", "/ask", "/expert", "/group", "/campaign"]
    urls = {c["url"] for c in document["features"]["slash_commands"]}
    assert urls == {"https://parvis.example.com/slack/events"}
    assert set(document["settings"]["event_subscriptions"]["bot_events"]) == {"app_home_opened",
                                                                             "member_joined_channel"}


def test_the_socket_mode_manifest_needs_no_url(capsys) -> None:
    assert main(["slack", "manifest", "--socket-mode"]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    validate(document)
    assert document["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in document["settings"]["interactivity"]


def test_the_manifest_speaks_the_default_language() -> None:
    document = manifest.build(url=None, socket_mode=True, locale="fr")
    validate(document)
    assert "experts" in document["display_information"]["description"]
    assert document["features"]["slash_commands"][0]["description"].startswith("Groupes")


@pytest.mark.parametrize("argv", [["slack", "manifest"], ["slack", "manifest", "--url", "http://insecure"],
                                  ["slack", "manifest", "--url", "parvis.example.com"]])
def test_a_manifest_without_a_usable_address_is_refused(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert "--url" in capsys.readouterr().err


def test_the_manifest_can_be_written_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "manifest.yaml"
    assert main(["slack", "manifest", "--socket-mode", "--out", str(out)]) == 0
    validate(yaml.safe_load(out.read_text()))
