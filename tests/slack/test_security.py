"""What an attacker or a broken proxy sends: refused with the right status, never a 500."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.slack.conftest import Slack, payload, signed_headers

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
    (FORM, b"text=\xff\xfe", 400),
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
