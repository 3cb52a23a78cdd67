"""Slack payloads → ``Invocation`` / ``Action``.

Pure functions over the JSON Slack sends (slash command form, ``block_actions``, ``view_submission``);
the actor is built elsewhere (``identity.py``) because it may need an API call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from core import markup
from core.commands import Action, Actor, Invocation
from core.messages import Form
from core.moderation.links import slack_permalink
from core.ports import ConversationRef, SentMessage

PLATFORM = "slack"
#: the longest error Slack shows under a modal input (PLATFORM_FACTS: view errors are short texts)
MAX_ERROR = 2000
#: Slack wants action ids unique within a block; duplicates get ``#<n>`` appended (outbound.py).
_SUFFIX = re.compile(r"#\d+$")


def team_of(body: dict[str, Any]) -> str:
    """The workspace of any payload shape (slash command, interaction, event)."""
    team = body.get("team_id") or body.get("team") or (body.get("user") or {}).get("team_id") or ""
    return team.get("id", "") if isinstance(team, dict) else str(team)


def channel_ref(team: str, channel_id: str | None, thread: str | None = None) -> ConversationRef | None:
    """A channel the member typed in; a direct message with the bot (``D…``) is no channel."""
    if not channel_id or channel_id.startswith("D"):
        return None
    return ConversationRef(PLATFORM, team, channel_id, thread)


def unescape(text: str) -> str:
    """The text as the member typed it: Slack sends ``&``, ``<`` and ``>`` of typed text as ``&amp;``,
    ``&lt;`` and ``&gt;`` (only a mention or a link it made itself keeps raw brackets), so "R&D" would
    otherwise be stored, and shown back, as "R&amp;D". ``&amp;`` last, so a typed "&lt;" stays as typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def command_text(command: str, text: str, main: str) -> str:
    """What the grammar sees: ``/parvis group list`` → ``group list``; an alias names its area, so
    ``/group list`` → ``group list`` and ``/ask how…`` → ``ask how…``."""
    text = unescape((text or "").strip())
    if command == main:
        return text
    area = command.lstrip("/")
    return f"{area} {text}".strip()


def invocation(actor: Actor, body: dict[str, Any], main: str) -> Invocation:
    """A slash command."""
    text = command_text(body.get("command", main), body.get("text", ""), main)
    return Invocation(actor=actor, text=text, channel=channel_ref(actor.tenant, body.get("channel_id")))


def action_id_of(slack_action_id: str) -> str:
    return _SUFFIX.sub("", slack_action_id)


def click(actor: Actor, body: dict[str, Any]) -> Action:
    """A ``block_actions`` payload (button or select) → an Action; the message it came from is kept so
    the core can update it."""
    pressed = (body.get("actions") or [{}])[0]
    value = pressed.get("value") or (pressed.get("selected_option") or {}).get("value") or ""
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    message = SentMessage(PLATFORM, channel_id, ts) if channel_id and ts else None
    return Action(actor=actor, action_id=action_id_of(pressed.get("action_id", "")), value=value,
                  channel=channel_ref(actor.tenant, channel_id), message=message)


#: the ``callback_id`` of the "Report to moderators" message shortcut (``adapters.slack.manifest``)
REPORT_SHORTCUT = "parvis.report"


def report(actor: Actor, body: dict[str, Any]) -> Action:
    """A ``message_action`` payload (the message shortcut) → the core's ``moderation.report``: the
    message's permalink, built from the workspace's address and the message's channel and ts, and
    its author (a person's Slack id; none for a bot's message)."""
    message = body.get("message") or {}
    channel_id = (body.get("channel") or {}).get("id") or ""
    ts = str(message.get("ts") or body.get("message_ts") or "")
    link = slack_permalink(workspace_host(body), channel_id, ts) if channel_id and ts else ""
    author = str(message.get("user") or "") if not message.get("bot_id") else ""
    return Action(actor=actor, action_id="moderation.report", value=link, values={"author": author},
                  channel=channel_ref(actor.tenant, channel_id))


def workspace_host(body: dict[str, Any]) -> str:
    """The workspace's web address (``acme.slack.com``) from an interaction's ``team.domain``."""
    team = body.get("team")
    domain = team.get("domain") if isinstance(team, dict) else None
    return f"{domain}.slack.com" if isinstance(domain, str) and domain else ""


def _input_value(element: dict[str, Any]) -> str:
    if element.get("selected_option"):
        return str(element["selected_option"].get("value", ""))
    if element.get("selected_options") is not None:
        return ",".join(option.get("value", "") for option in element["selected_options"])
    return str(element.get("value") or "")


def form_values(state: dict[str, Any]) -> dict[str, str]:
    """``view.state.values`` → ``{input name: value}`` (each input's block id is its name)."""
    values: dict[str, str] = {}
    for block_id, elements in (state.get("values") or {}).items():
        for element in elements.values():
            values[block_id] = _input_value(element)
    return values


def metadata(view: dict[str, Any]) -> dict[str, str]:
    """What ``outbound.modal`` stored in ``private_metadata``: the form value and the channel."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(key): str(value) for key, value in found.items()} if isinstance(found, dict) else {}


def submission(actor: Actor, body: dict[str, Any]) -> Action:
    """A ``view_submission`` → an Action with the form's values."""
    view = body.get("view") or {}
    meta = metadata(view)
    return Action(actor=actor, action_id=view.get("callback_id", ""), value=meta.get("v", ""),
                  values=form_values(view.get("state") or {}),
                  channel=channel_ref(actor.tenant, meta.get("c")))


def form_errors(view: dict[str, Any], form: Form) -> dict[str, str]:
    """The problems a form came back with, by the block id of their input in the open modal (plain
    text: Slack shows it as such), each within Slack's limit."""
    blocks: Iterable[dict[str, Any]] = view.get("blocks") or []
    inputs = {block.get("block_id") for block in blocks if block.get("type") == "input"}
    return {item.name: markup.plain(item.error)[:MAX_ERROR] for item in form.inputs
            if item.error and item.name in inputs}


def error_input(view: dict[str, Any], named: str | None) -> str | None:
    """The block id under which a validation error is shown: the input the core named, when the modal
    has it, else the first input."""
    blocks: Iterable[dict[str, Any]] = view.get("blocks") or []
    inputs = [block.get("block_id") for block in blocks if block.get("type") == "input"]
    return named if named in inputs else (inputs[0] if inputs else None)
