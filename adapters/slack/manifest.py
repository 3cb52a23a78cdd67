"""The Slack app manifest: everything an admin pastes to create the app (PLATFORM_FACTS §7).

Only the scopes Parvis uses are requested: ``commands`` (slash commands), ``chat:write`` (replies,
direct messages, updates), ``chat:write.public`` (announcements in linked public channels the bot
has not joined), ``users:read`` and ``users:read.email`` (``users.info``: name, time zone, locale and
the e-mail that joins a person's Slack and Teams identities), ``channels:read`` and ``groups:read``
(``member_joined_channel`` events), ``channels:manage`` and ``groups:write`` (``conversations.invite``:
new group members added to the group's linked public and private channels), ``files:write`` (the
charts of ``stats`` and ``campaign report``, uploaded to the member's direct messages), ``mpim:write``
(``conversations.open`` with several people: the group direct message that introduces a coffee
pairing). With Socket Mode no request URL is needed. One message shortcut, "Report to moderators",
reports a message (``moderation``); the moderators' *Remove* deletes with ``chat.delete``, which
``chat:write`` covers for the bot's own posts.
"""

from __future__ import annotations

from typing import Any

import yaml

from adapters.slack.inbound import REPORT_SHORTCUT
from core.i18n import Translator

EVENTS_PATH = "/slack/events"
BOT_SCOPES = ["commands", "chat:write", "chat:write.public", "users:read", "users:read.email",
              "channels:read", "groups:read", "channels:manage", "groups:write", "files:write",
              "mpim:write"]
BOT_EVENTS = ["app_home_opened", "member_joined_channel"]


def _command(name: str, t: Translator, main: str, url: str | None) -> dict[str, Any]:
    area = name.lstrip("/")
    if name == main:
        description, hint = t("slack.manifest.command"), t("slack.manifest.command_hint")
    else:
        description = t(f"help.area.{area}")
        hint = t(f"usage_area.{area}")
        if hint == f"usage_area.{area}":  # a single-word command (``ask``) has no area usage
            hint = t(f"usage.{area}")
        hint = hint.removeprefix(area).strip()
    entry: dict[str, Any] = {"command": name, "description": description[:2000],
                             "usage_hint": hint[:1000], "should_escape": False}
    if url:
        entry["url"] = url
    return entry


def build(*, url: str | None, socket_mode: bool, command: str = "/parvis",
          aliases: tuple[str, ...] = (), locale: str = "en", name: str = "Parvis") -> dict[str, Any]:
    """The manifest as a dict; ``url`` is the public base URL (``https://parvis.example.com``)."""
    t = Translator(locale, plain=True)  # manifest fields are plain text
    events_url = None if socket_mode or not url else url.rstrip("/") + EVENTS_PATH
    settings: dict[str, Any] = {"interactivity": {"is_enabled": True},
                                "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
                                "org_deploy_enabled": False, "socket_mode_enabled": socket_mode,
                                "token_rotation_enabled": False}
    if events_url:
        settings["interactivity"]["request_url"] = events_url
        settings["event_subscriptions"]["request_url"] = events_url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": name[:35], "description": t("slack.manifest.description")[:140],
                                "long_description": t("slack.manifest.long_description")[:4000],
                                "background_color": "#2c2d72"},
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": name[:80], "always_online": True},
            "slash_commands": [_command(c, t, command, events_url) for c in (command, *aliases)][:50],
            "shortcuts": [{"name": t("moderation.shortcut_name")[:24], "type": "message",
                           "callback_id": REPORT_SHORTCUT,
                           "description": t("moderation.shortcut_description")[:150]}],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }


def to_yaml(manifest: dict[str, Any]) -> str:
    text: str = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)  # no stream: a str
    return text
