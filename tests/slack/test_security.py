"""What an attacker or a broken proxy sends: refused with the right status, never a 500."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.slack.conftest import SECRET, Slack, payload, signed_headers

FORM = "application/x-www-form-urlencoded"


def command_body(text: str = "help") -> str:
    return urlencode(payload("slash_command") | {"text": text})


async def raw_post(slack: Slack, body: bytes | str, headers: dict[str, str]) -> int:
    data = body.encode() if isinstance(body, str) else body
    response = await slack.client.post("/slack/events", data=data, headers=headers)
    await response.read()
    return response.status


async def test_a_forged_signature_is_refused(slack: Slack) -> None:
    body = command_body()
    headers = signed_headers(body, FORM, secret="not-the-signing-secret")
    assert await raw_post(slack, body, headers) == 401


async def test_a_body_changed_after_signing_is_refused(slack: Slack) -> None:
    headers = signed_headers(command_body("help"), FORM)
    assert await raw_post(slack, command_body("group create Evil"), headers) == 401


async def test_a_stale_timestamp_is_refused(slack: Slack) -> None:
    body = command_body()
    assert await raw_post(slack, body, signed_headers(body, FORM, timestamp=int(time.time()) - 301)) == 401


@pytest.mark.parametrize("missing", ["X-Slack-Signature", "X-Slack-Request-Timestamp"])
async def test_missing_headers_are_refused(slack: Slack, missing: str) -> None:
    body = command_body()
    headers = signed_headers(body, FORM)
    del headers[missing]
    assert await raw_post(slack, body, headers) == 401


async def test_nothing_is_done_for_a_refused_request(slack: Slack) -> None:
    body = command_body("group create Evil")
    before = len(slack.api.calls)  # auth.test, at start
    await raw_post(slack, body, signed_headers(body, FORM, secret="forged"))
    assert slack.api.calls[before:] == []


@pytest.mark.parametrize("content_type,body,status", [
    ("text/plain", "hello", 415),
    ("application/octet-stream", b"\x00\x01\x02", 415),
    ("application/json", "{not json", 400),
    (FORM, "payload=%7Bnot-json", 400),
    (FORM, b"text=\xff\xfe", 401),  # not UTF-8: no signature Slack made can match it
    (FORM, "nothing=here", 403),  # well formed and signed, but names no workspace Parvis serves
])
async def test_a_body_that_is_not_a_slack_request_gets_4xx(slack: Slack, content_type: str,
                                                           body: str | bytes, status: int) -> None:
    text = body.decode("latin-1") if isinstance(body, bytes) else body
    headers = signed_headers(text, content_type)
    assert await raw_post(slack, body, headers) == status


async def test_url_verification_is_answered(slack: Slack) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"type": "url_verification", "challenge": challenge, "token": "x"})
    status, answer = await slack.post(body, "application/json")
    assert status == 200 and challenge in str(answer)


# --- the signature is checked before the body is read (issue 12, finding 6) -------------------------

JSON = "application/json"
MALFORMED = [
    (JSON, "[1, 2]"),
    (JSON, '"a string"'),
    (JSON, "42"),
    (JSON, "null"),
    (JSON, "{not json"),
    (JSON, '{"authorizations": "x"}'),
    (JSON, '{"authorizations": [1]}'),
    (JSON, '{"type": "event_callback", "event": "x"}'),
    (JSON, '{"type": "event_callback", "event": {"type": 1}}'),
    (JSON, '{"type": "block_actions", "actions": "x"}'),
    (JSON, '{"type": "view_submission", "view": "x"}'),
    (JSON, '{"user": "U1", "team": "T1", "channel": 3, "enterprise": []}'),
    (FORM, "payload=%5B1%2C2%5D"),
    (FORM, "payload=%22x%22"),
    (FORM, "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5Bnull%5D%7D"),
    (FORM, "payload=%7Bnot-json"),
]


@pytest.mark.parametrize("content_type,body", MALFORMED)
async def test_an_unsigned_malformed_body_is_refused_before_it_is_parsed(slack: Slack, content_type: str,
                                                                         body: str) -> None:
    headers = signed_headers(body, content_type, secret="forged")
    before = len(slack.api.calls)  # auth.test, at start
    assert await raw_post(slack, body, headers) == 401
    assert slack.api.calls[before:] == []


@pytest.mark.parametrize("content_type,body", MALFORMED)
async def test_a_signed_malformed_body_gets_4xx_never_500(slack: Slack, content_type: str, body: str) -> None:
    status = await raw_post(slack, body, signed_headers(body, content_type))
    assert 400 <= status < 500, status


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "-", "12:00", "\u0661\u0662"])
async def test_a_timestamp_that_is_not_a_number_is_refused(slack: Slack, timestamp: str) -> None:
    body = command_body()
    headers = signed_headers(body, FORM)
    headers["X-Slack-Request-Timestamp"] = timestamp
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    headers["X-Slack-Signature"] = signature or ""
    before = len(slack.api.calls)  # auth.test, at start
    assert await raw_post(slack, body, headers) == 401
    assert slack.api.calls[before:] == []


async def test_a_json_array_signed_with_a_bad_timestamp_is_refused(slack: Slack) -> None:
    body = "[1, 2]"
    headers = signed_headers(body, JSON)
    headers["X-Slack-Request-Timestamp"] = "not-a-time"
    assert await raw_post(slack, body, headers) == 401


async def test_a_refused_request_logs_its_reason_never_its_body(slack: Slack,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "ANONYMOUS-ANSWER-"
    body = urlencode(payload("slash_command") | {"text": marker + "x" * (900 * 1024)})
    assert await raw_post(slack, body, signed_headers(body, FORM, secret="forged")) == 401
    stale = command_body(marker + "my honest opinion")
    assert await raw_post(slack, stale, signed_headers(stale, FORM, timestamp=int(time.time()) - 600)) == 401
    logged = [record.getMessage() for record in caplog.records]
    assert not [line for line in logged if marker in line or len(line) > 2000]
    refusals = [line for line in logged if line.startswith("slack: request refused")]
    assert len(refusals) == 2 and "signature" in refusals[0] and "timestamp" in refusals[1]


WRONG = ([], 0, None, "x")
MISSING = object()


def _paths(value: Any, path: tuple[Any, ...] = (), depth: int = 0) -> Iterator[tuple[Any, ...]]:
    """Every key path of a payload down to three levels (a list is walked through its first item)."""
    children: Iterable[tuple[Any, Any]] = ()
    if isinstance(value, dict):
        children = value.items()
    elif isinstance(value, list) and value:
        children = [(0, value[0])]
    for key, child in children:
        yield (*path, key)
        if depth < 2:
            yield from _paths(child, (*path, key), depth + 1)


def _mutants(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The payload with one value replaced by a value of another type, or removed."""
    for path in _paths(body):
        *parents, last = path
        for wrong in (*WRONG, MISSING):
            mutant = copy.deepcopy(body)
            holder = mutant
            for key in parents:
                holder = holder[key]
            if wrong is MISSING:
                if isinstance(holder, list):
                    continue
                del holder[last]
            elif type(holder[last]) is type(wrong):
                continue
            else:
                holder[last] = copy.deepcopy(wrong)
            yield f"{'.'.join(map(str, path))}={'missing' if wrong is MISSING else repr(wrong)}", mutant


async def test_a_signed_payload_with_a_field_of_the_wrong_shape_is_never_a_500(slack: Slack) -> None:
    """Slack's own payloads, each field in turn of another type or missing: 2xx or 4xx, never a 500."""
    failures = []
    interactivity = ("block_actions", "view_submission")
    for name in (*interactivity, "app_home_opened", "member_joined_channel"):
        original = payload(name)
        if "response_url" in original:
            original["response_url"] = slack.api.response_url("fuzz")
        for label, mutant in _mutants(original):
            if name in interactivity:
                body, kind = urlencode({"payload": json.dumps(mutant)}), FORM
            else:
                body, kind = json.dumps(mutant), JSON
            status = await raw_post(slack, body, signed_headers(body, kind))
            if status >= 500:
                failures.append(f"{name}: {label} -> {status}")
    assert failures == []
