"""What Teams refuses in an activity: the rules the fake Bot Framework connector applies to every one.

- Every attachment of type ``application/vnd.microsoft.card.adaptive`` is validated against the official
  Adaptive Card 1.5 JSON schema (``tests/data/adaptive-card-1.5.json``, see the README there), with the
  root ``msteams`` property Teams documents (``{"width": "Full"}``, mention ``entities``) stripped first,
  since the schema does not list it, and checked on its own (PLATFORM_FACTS §16).
- Teams' own limits (PLATFORM_FACTS §14, §16): the card ``version`` is at most 1.5 ("Teams platform
  supports v1.5 or earlier"); the whole activity is at most 28 KB once serialised; every
  ``Action.Submit`` carries a ``data`` object (Parvis reads ``action_id`` and ``value`` back from it,
  and the schema alone would also let a string through).

Problems are strings naming the JSON path of the faulty part (``$.attachments[0].content.body[2]: …``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError

SCHEMA = Path(__file__).parent.parent / "data" / "adaptive-card-1.5.json"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_VERSION = (1, 5)        # §14 "Teams platform supports v1.5 or earlier"
MAX_ACTIVITY = 28 * 1024    # §16 "the whole activity ≤ 28 KB"
MSTEAMS_KEYS = {"width", "entities"}


@cache
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def activity_size(activity: dict[str, Any]) -> int:
    return len(json.dumps(activity, ensure_ascii=False).encode())


def activity_problems(activity: dict[str, Any]) -> list[str]:
    """What Teams would refuse in an activity the bot sends (or updates)."""
    problems: list[str] = []
    size = activity_size(activity)
    if size > MAX_ACTIVITY:
        problems.append(f"$: the activity is {size} bytes, over Teams' {MAX_ACTIVITY}")
    for n, attachment in enumerate(activity.get("attachments") or []):
        if isinstance(attachment, dict) and attachment.get("contentType") == CARD_TYPE:
            problems += card_problems(attachment.get("content"), f"$.attachments[{n}].content")
    return problems


def card_problems(card: Any, where: str = "$") -> list[str]:
    """What Teams would refuse in one Adaptive Card."""
    if not isinstance(card, dict):
        return [f"{where}: an Adaptive Card must be an object"]
    problems = _msteams(card.get("msteams"), f"{where}.msteams") if "msteams" in card else []
    bare = {key: value for key, value in card.items() if key != "msteams"}
    for error in sorted(validator().iter_errors(bare), key=lambda e: list(e.absolute_path)):
        problems += [f"{where}{leaf.json_path.removeprefix('$')}: {leaf.message[:300]}"
                     for leaf in _leaves(error)]
    problems += _version(card.get("version"), f"{where}.version")
    problems += _submits(card, where)
    return problems


def _leaves(error: ValidationError) -> list[ValidationError]:
    """The errors that tell what is wrong. The schema lists each element type as one branch of an
    ``anyOf``; when exactly one branch is for the element's ``type``, its own errors are the answer."""
    if error.validator != "anyOf" or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    typed = [subs for subs in branches.values() if not any(_other_type(sub) for sub in subs)]
    if len(typed) != 1:
        return [error]
    return [leaf for sub in typed[0] for leaf in _leaves(sub)]


def _other_type(error: ValidationError) -> bool:
    return error.validator == "enum" and list(error.relative_path)[-1:] == ["type"]


def _msteams(value: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: must be an object"]
    problems = [f"{where}.{key}: not a property Teams knows" for key in value if key not in MSTEAMS_KEYS]
    if "width" in value and value["width"] != "Full":
        problems.append(f"{where}.width: must be \"Full\"")
    if "entities" in value and not isinstance(value["entities"], list):
        problems.append(f"{where}.entities: must be an array")
    return problems


def _version(value: Any, where: str) -> list[str]:
    try:
        version = tuple(int(part) for part in str(value).split("."))
    except ValueError:
        return [f"{where}: {value!r} is not a version"]
    if version > MAX_VERSION:
        return [f"{where}: Teams renders cards up to version 1.5, not {value!r}"]
    return []


def _submits(node: Any, where: str) -> list[str]:
    """Every ``Action.Submit``, however deep (action sets, show cards, select actions, fallbacks)."""
    problems: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit" and not isinstance(node.get("data"), dict):
            problems.append(f"{where}: an Action.Submit needs a data object")
        for key, value in node.items():
            problems += _submits(value, f"{where}.{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            problems += _submits(value, f"{where}[{n}]")
    return problems
