"""What may reach Bolt over HTTP: a request Slack signed, whose body has the shape Slack documents.

Why not leave it to Bolt: Bolt parses the body and builds its context from it when the request object
is made, before its request-verification middleware runs, so a JSON array or a timestamp that is not a
number was a 500 with a traceback for anyone, signed or not; and when verification fails Bolt logs the
whole body at INFO (a 900 KiB forged request made one 900 KiB log line, an anonymous answer rejected for
clock skew would have been logged). So ``POST /slack/events`` checks here, in this order:

1. the signature, on the raw bytes, with slack_sdk's ``SignatureVerifier`` (the check Bolt makes):
   missing headers, a timestamp that is not a number or is more than five minutes away, a body that is
   not UTF-8 or a wrong signature are a 401, logged with their reason and never with the body;
2. the body, parsed as Bolt parses it: not an object, or an object whose fields Bolt or Parvis read
   are of another type than Slack sends (``"user": 0``, ``"actions": "x"``, a view without a type…), is
   a 400 — a 500 would say the server failed when the request did.

Bolt's own verification is then switched off (``adapters/slack/app.py``): it could only repeat this
check, and on a failure (a request checked at 4:59 and re-checked at 5:01) it would log the body.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

#: Slack's replay window (its documentation and ``SignatureVerifier``): five minutes either way
WINDOW_SECONDS = 300
_DIGITS = re.compile(r"[0-9]{1,12}")
#: nesting walked when checking a body's shape (Slack's payloads are far shallower than this)
MAX_DEPTH = 12

#: fields Slack sends as an id or as an object (``"user": "U1"`` in events, ``{"id": …}`` elsewhere)
ID_OR_OBJECT = frozenset({"user", "team", "channel", "enterprise"})
OBJECTS = frozenset({"event", "view", "message", "previous_message", "item", "container", "state",
                     "values", "assistant_thread", "function_data", "selected_option"})
LISTS_OF_OBJECTS = frozenset({"authorizations", "actions", "response_urls", "blocks", "selected_options"})
TEXTS = frozenset({"type", "id", "callback_id", "action_id", "block_id", "command", "user_id", "team_id",
                   "channel_id", "trigger_id", "response_url", "private_metadata", "event_id"})
#: interactivity payloads: who clicked, where and in which workspace are objects there
INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                         "block_suggestion"})
#: what each payload type cannot do without (Bolt indexes these without looking first)
REQUIRED: dict[str, dict[str, type]] = {
    "event_callback": {"event": dict},
    "block_actions": {"actions": list},
    "view_submission": {"view": dict},
    "view_closed": {"view": dict},
}


def unsigned(verifier: SignatureVerifier, headers: Mapping[str, str], raw: bytes) -> str | None:
    """Why the request is not one Slack signed with our secret, or ``None`` when it is."""
    timestamp = headers.get("X-Slack-Request-Timestamp")
    signature = headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        return "missing signature headers"
    if not _DIGITS.fullmatch(timestamp):
        return "timestamp is not a number"
    if abs(time.time() - int(timestamp)) > WINDOW_SECONDS:
        return "timestamp outside the five-minute window"
    try:
        valid = verifier.is_valid(raw, timestamp, signature)
    except UnicodeDecodeError:  # the verifier signs text; Slack sends UTF-8
        return "body is not UTF-8"
    return None if valid else "signature does not match"


def parsed(raw: bytes, content_type: str | None) -> dict[str, Any] | None:
    """The body as Bolt will parse it, or ``None`` when it is not a Slack payload's shape."""
    try:
        body = parse_body(raw.decode("utf-8"), content_type)
    except ValueError:  # JSON errors and UnicodeDecodeError
        return None
    return body if isinstance(body, dict) and _well_formed(body, 0) and _complete(body) else None


def _complete(body: dict[str, Any]) -> bool:
    """The fields a payload of its type must have, of their type."""
    kind_of = str(body.get("type"))
    for name, kind in REQUIRED.get(kind_of, {}).items():
        if not isinstance(body.get(name), kind):
            return False
    if kind_of in INTERACTIVE and any(not isinstance(body.get(name), dict | None) for name in ID_OR_OBJECT):
        return False
    if "response_urls" in body and not isinstance(body["response_urls"], list):
        return False
    if isinstance(body.get("event"), dict) and not isinstance(body["event"].get("type"), str):
        return False
    view = body.get("view")
    if isinstance(view, dict) and body.get("type") in ("view_submission", "view_closed"):
        return isinstance(view.get("type"), str) and isinstance(view.get("callback_id"), str)
    return all(isinstance(action.get("action_id"), str) for action in body.get("actions") or [])


def _well_formed(value: Any, depth: int) -> bool:
    """Every object's known fields are of the type Slack sends, all the way down."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(_well_formed(item, depth + 1) for item in value)
    if not isinstance(value, dict):
        return True
    return all(item is None or (_field_ok(key, item) and _well_formed(item, depth + 1))
               for key, item in value.items())


def _field_ok(key: str, item: Any) -> bool:
    if key in ID_OR_OBJECT:
        return isinstance(item, str | dict)
    if key in OBJECTS:
        return isinstance(item, dict)
    if key in LISTS_OF_OBJECTS:
        return isinstance(item, list) and all(isinstance(entry, dict) for entry in item)
    return key not in TEXTS or isinstance(item, str)
