"""What Slack refuses in a message or a view: the rules the fake Slack API applies to every payload.

Two layers, so that every test sending Block Kit is also a conformance test:

1. slack_sdk's own models: each block is rebuilt with ``Block.parse`` (a view with ``View(**view)``)
   and checked by ``to_dict()``, which runs ``validate_json()`` on the object *and* on every nested
   element, option and text object (``validate_json()`` alone checks only the outer object).
2. Slack's documented limits that slack_sdk does not check (/work/shared/PLATFORM_FACTS.md §1, §5, §16):
   a ``plain_text_input``'s ``max_length`` is 1–3,000; ≤ 50 blocks per message, ≤ 100 per view;
   block ids unique per message or view; a section field ≤ 2,000 characters; a message with blocks
   also carries a ``text`` fallback (≤ 40,000, above which Slack truncates it); a modal has a title,
   and a submit button when it holds an input; a view ≤ 250 kB (``view_too_large``); text objects are
   not empty and are ``plain_text`` where Slack demands it (header, button, label, placeholder,
   option, modal title/submit/close); an ``initial_option`` is one of the options.

Problems are strings in Slack's style, each ending with the JSON pointer of the faulty part
(``… [json-pointer:/blocks/0/element/max_length]``).
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# PLATFORM_FACTS §5 (Block Kit limits) and §16 (what slack_sdk does not check).
MESSAGE_BLOCKS = 50          # §5 "Blocks per message"
VIEW_BLOCKS = 100            # §5 "Blocks per modal or Home tab"
FIELD_TEXT = 2000            # §5 section "fields": 10 items of 2000 chars each
INPUT_MAX_LENGTH = 3000      # §16 plain_text_input.max_length: 1–3,000
MESSAGE_TEXT = 40_000        # §5 message text truncated above 40,000 chars
VIEW_BYTES = 250_000         # §1 views.open ``view_too_large`` (view over 250 kB)
BUTTON_STYLES = ("primary", "danger")

#: Keys holding a text object that Slack accepts only as ``plain_text``.
PLAIN_ONLY = {"header": ("text",), "button": ("text",), "input": ("label", "hint")}


def message_problems(payload: dict[str, Any], where: str = "") -> list[str]:
    """What Slack would refuse in a message body (``chat.*``, ``response_url``, an acknowledgement)."""
    blocks = payload.get("blocks")
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return [f"blocks must be an array [json-pointer:{where}/blocks]"]
    problems: list[str] = []
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"no more than {MESSAGE_BLOCKS} items allowed [json-pointer:{where}/blocks]")
    text = payload.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"a message with blocks needs a top-level text fallback [json-pointer:{where}/text]")
    elif len(text) > MESSAGE_TEXT:
        problems.append(f"text over {MESSAGE_TEXT} characters is truncated [json-pointer:{where}/text]")
    problems += _blocks(blocks, f"{where}/blocks")
    return problems


def view_problems(view: Any, where: str = "/view") -> list[str]:
    """What ``views.open`` / ``views.update`` / ``views.publish`` (or a ``response_action``) would refuse."""
    if not isinstance(view, dict):
        return [f"view must be an object [json-pointer:{where}]"]
    problems: list[str] = []
    try:
        View(**view).to_dict()
    except Exception as exc:  # SlackObjectFormationError, or a TypeError for a malformed part
        problems.append(f"{exc} [json-pointer:{where}]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return problems + [f"blocks must be an array [json-pointer:{where}/blocks]"]
    if len(blocks) > VIEW_BLOCKS:
        problems.append(f"no more than {VIEW_BLOCKS} items allowed [json-pointer:{where}/blocks]")
    if view.get("type") == "modal":
        if not view.get("title"):
            problems.append(f"a modal needs a title [json-pointer:{where}/title]")
        if not view.get("submit") and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
            problems.append(f"a modal with an input block needs a submit [json-pointer:{where}/submit]")
    for key in ("title", "submit", "close"):
        if key in view:
            problems += _text_object(view[key], f"{where}/{key}", plain_only=True)
    size = len(json.dumps(view, ensure_ascii=False).encode())
    if size > VIEW_BYTES:
        problems.append(f"view_too_large ({size} bytes) [json-pointer:{where}]")
    problems += _blocks(blocks, f"{where}/blocks")
    return problems


def _blocks(blocks: list[Any], where: str) -> list[str]:
    problems: list[str] = []
    seen_ids: set[str] = set()
    for n, block in enumerate(blocks):
        pointer = f"{where}/{n}"
        if not isinstance(block, dict):
            problems.append(f"a block must be an object [json-pointer:{pointer}]")
            continue
        try:
            parsed = Block.parse(block)
            if parsed is None:
                problems.append(f"unknown block type {block.get('type')!r} [json-pointer:{pointer}/type]")
                continue
            parsed.validate_json()
            parsed.to_dict()  # validates every nested element and text object too
        except Exception as exc:
            problems.append(f"{exc} [json-pointer:{pointer}]")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen_ids:
                problems.append(f"duplicate block_id {block_id!r} [json-pointer:{pointer}/block_id]")
            seen_ids.add(block_id)
        problems += _block(block, pointer)
    return problems


def _block(block: dict[str, Any], where: str) -> list[str]:
    """The rules slack_sdk leaves out, for one block and what it holds."""
    problems: list[str] = []
    kind = block.get("type")
    for key in PLAIN_ONLY.get(str(kind), ()):
        if key in block:
            problems += _text_object(block[key], f"{where}/{key}", plain_only=True)
    if kind == "section":
        if "text" in block:
            problems += _text_object(block["text"], f"{where}/text")
        for n, item in enumerate(block.get("fields") or []):
            problems += _text_object(item, f"{where}/fields/{n}")
            if isinstance(item, dict) and len(str(item.get("text", ""))) > FIELD_TEXT:
                problems.append(f"must be less than {FIELD_TEXT + 1} characters "
                                f"[json-pointer:{where}/fields/{n}/text]")
        if isinstance(block.get("accessory"), dict):
            problems += _element(block["accessory"], f"{where}/accessory")
    elif kind in ("actions", "context"):
        action_ids: set[str] = set()
        for n, element in enumerate(block.get("elements") or []):
            if not isinstance(element, dict):
                continue
            if element.get("type") in ("plain_text", "mrkdwn"):
                problems += _text_object(element, f"{where}/elements/{n}")
                continue
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    problems.append(f"duplicate action_id {action_id!r} "
                                    f"[json-pointer:{where}/elements/{n}/action_id]")
                action_ids.add(action_id)
            problems += _element(element, f"{where}/elements/{n}")
    elif kind == "input":
        if isinstance(block.get("element"), dict):
            problems += _element(block["element"], f"{where}/element")
        else:
            problems.append(f"an input block needs an element [json-pointer:{where}/element]")
    return problems


def _element(element: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    kind = element.get("type")
    if kind == "button":
        problems += _text_object(element.get("text"), f"{where}/text", plain_only=True)
        if "style" in element and element["style"] not in BUTTON_STYLES:
            problems.append(f"style must be one of {BUTTON_STYLES} [json-pointer:{where}/style]")
    if kind == "plain_text_input":
        problems += _lengths(element, where)
    options = element.get("options")
    if isinstance(options, list):
        for n, option in enumerate(options):
            if isinstance(option, dict):
                problems += _text_object(option.get("text"), f"{where}/options/{n}/text",
                                         plain_only=kind in ("static_select", "overflow"))
        if "initial_option" in element and element["initial_option"] not in options:
            problems.append(f"initial_option must be one of the options "
                            f"[json-pointer:{where}/initial_option]")
    if "placeholder" in element:
        problems += _text_object(element["placeholder"], f"{where}/placeholder", plain_only=True)
    return problems


def _lengths(element: dict[str, Any], where: str) -> list[str]:
    """``plain_text_input``: ``max_length`` 1–3,000, ``min_length`` 0–3,000 and not above it (§16)."""
    problems: list[str] = []
    low, high = element.get("min_length"), element.get("max_length")
    if high is not None and not (isinstance(high, int) and 1 <= high <= INPUT_MAX_LENGTH):
        problems.append(f"max_length must be between 1 and {INPUT_MAX_LENGTH} "
                        f"[json-pointer:{where}/max_length]")
    if low is not None and not (isinstance(low, int) and 0 <= low <= INPUT_MAX_LENGTH):
        problems.append(f"min_length must be between 0 and {INPUT_MAX_LENGTH} "
                        f"[json-pointer:{where}/min_length]")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(f"min_length must not exceed max_length [json-pointer:{where}/min_length]")
    return problems


def _text_object(value: Any, where: str, plain_only: bool = False) -> list[str]:
    if not isinstance(value, dict):
        return [f"must be a text object [json-pointer:{where}]"]
    problems: list[str] = []
    kind = value.get("type")
    if kind not in ("plain_text", "mrkdwn"):
        problems.append(f"type must be plain_text or mrkdwn [json-pointer:{where}/type]")
    elif plain_only and kind != "plain_text":
        problems.append(f"must be plain_text [json-pointer:{where}/type]")
    text = value.get("text")
    if not isinstance(text, str) or not text:
        problems.append(f"must be more than 0 characters [json-pointer:{where}/text]")
    return problems
