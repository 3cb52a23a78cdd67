"""Direct messages the bot posted to the fake Slack API, and clicks on their buttons as Slack sends them.

A click on a button of a bot's direct message arrives as ``block_actions`` naming the DM channel
(``D…``), the message's ``ts`` (``container.message_ts`` and ``message.ts``), a ``trigger_id`` (so a
modal may open) and a ``response_url``. ``click_in`` builds that payload from the recorded
``chat.postMessage`` call and its answer, so the ids a test clicks are exactly the ones Parvis rendered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.fakes.slack_api import Call
from tests.slack.conftest import Slack, payload


def dms_to(slack: Slack, user_id: str) -> list[Call]:
    """The messages posted to ``user_id``'s direct conversation, oldest first."""
    return [call for call in slack.api.made("chat.postMessage") if call.args.get("channel") == user_id]


def text_of(call: Call) -> str:
    """The notification text and every block's text, for assertions on what a person reads."""
    parts = [str(call.args.get("text", ""))]
    for block in call.args.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), str):
                parts.append(element["text"])
    return "\n".join(parts)


def buttons(call: Call) -> Iterator[dict[str, Any]]:
    """Every button of a posted message (in actions blocks and as section accessories)."""
    for block in call.args.get("blocks") or []:
        found = [block["accessory"]] if "accessory" in block else block.get("elements") or []
        yield from (element for element in found if element.get("type") == "button")


def button(call: Call, action_id: str, value: str | None = None) -> dict[str, Any]:
    """The button whose action id (``#n`` suffix aside) is ``action_id`` (and value ``value``)."""
    for element in buttons(call):
        if element["action_id"].split("#")[0] == action_id and value in (None, element.get("value")):
            return element
    raise AssertionError(f"no {action_id} {value or ''} button in {call.args.get('blocks')}")


async def click_in(slack: Slack, call: Call, element: dict[str, Any], user_id: str) -> tuple[int, Any]:
    """``user_id`` clicks ``element`` in the direct message ``call`` posted; returns once the click's
    work is done."""
    return await slack.clicked(click_body(slack, call, element, user_id))


def click_body(slack: Slack, call: Call, element: dict[str, Any], user_id: str) -> dict[str, Any]:
    """The ``block_actions`` payload of ``user_id`` clicking ``element`` in the message ``call`` posted."""
    channel, ts = call.result["channel"], call.result["ts"]
    body = payload("block_actions")
    body["user"]["id"] = user_id
    body["channel"] = {"id": channel, "name": "directmessage"}
    body["container"] = {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False}
    body["message"] = {"type": "message", "ts": ts, "text": call.args.get("text", ""),
                       "blocks": call.args.get("blocks") or []}
    body["actions"] = [{"action_id": element["action_id"], "block_id": "b1", "type": "button",
                        "text": element["text"], "value": element.get("value", ""),
                        "action_ts": "1700000009.000001"}]
    slack._n += 1
    body["response_url"] = slack.api.response_url(f"dm{slack._n}")
    return body


def opened_view(slack: Slack, index: int = -1) -> dict[str, Any]:
    """The view of a ``views.open`` call (the latest by default)."""
    opened = slack.api.made("views.open")
    assert opened, "no modal was opened"
    return dict(opened[index].args["view"])
