"""The Slack harness: the real Bolt app behind a real aiohttp server, signed requests, a fake Web API.

``slack.command("group list")`` sends what Slack sends for ``/parvis group list`` (a signed form body
from ``payloads/slash_command.json``) and returns the HTTP status and the acknowledgement;
``slack.click`` and ``slack.submit`` send interactivity payloads, ``slack.event`` Events API bodies.

Every payload Parvis hands Slack is checked against Slack's own rules (``tests/fakes/block_kit.py``):
Web API calls and ``response_url`` posts by the fake, acknowledgements here (``ack_problems``). The
``api`` fixture fails any test during which Parvis sent something real Slack would refuse.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import SlackAdapter, build_slack
from adapters.slack.settings import SlackConfig
from core.commands.router import CommandRouter
from core.registry import Registry
from core.services import Services
from tests.fakes.block_kit import message_problems, view_problems
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi, user

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PAYLOADS = Path(__file__).parent / "payloads"
ANA, LEA = "U0ANA", "U0LEA"


def payload(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text()))


def ack_problems(body: Any) -> list[str]:
    """What Slack would refuse in an acknowledgement: a message's blocks (slash command), the view
    of a ``response_action`` ``update`` or ``push`` (modal submission)."""
    if not isinstance(body, dict):
        return []
    if body.get("response_action") in ("update", "push"):
        return view_problems(body.get("view"))
    return message_problems(body)


def signed_headers(body: str, content_type: str, timestamp: int | None = None,
                   secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


class Slack:
    """Sends what Slack would send to ``POST /slack/events``."""

    def __init__(self, client: TestClient, api: FakeSlackApi, adapter: SlackAdapter) -> None:
        self.client = client
        self.api = api
        self.adapter = adapter
        self._n = 0
        self.content_type = ""

    async def post(self, body: str, content_type: str, headers: dict[str, str] | None = None
                   ) -> tuple[int, Any]:
        sent = signed_headers(body, content_type) | (headers or {})
        response = await self.client.post("/slack/events", data=body.encode(), headers=sent)
        text = await response.text()
        self.content_type = response.headers.get("Content-Type", "")
        try:
            answer = json.loads(text) if text else None
        except ValueError:
            return response.status, text
        self.api.check("ack", ack_problems(answer))
        return response.status, answer

    async def command(self, text: str, user_id: str = ANA, command: str = "/parvis",
                      channel: str = "C0GENERAL") -> tuple[int, Any]:
        self._n += 1
        body = payload("slash_command") | {"text": text, "user_id": user_id, "command": command,
                                            "channel_id": channel,
                                            "response_url": self.api.response_url(f"c{self._n}")}
        return await self.post(urlencode(body), "application/x-www-form-urlencoded")

    async def interact(self, body: dict[str, Any]) -> tuple[int, Any]:
        return await self.post(urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded")

    async def click(self, action_id: str, value: str, user_id: str = ANA) -> tuple[int, Any]:
        self._n += 1
        body = payload("block_actions")
        body["user"]["id"] = user_id
        body["actions"][0].update(action_id=action_id, value=value)
        body["response_url"] = self.api.response_url(f"a{self._n}")
        return await self.clicked(body)

    async def clicked(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Send a ``block_actions`` payload; return once the click's work after its acknowledgement
        (its reply, a form it opens) is done, as Slack would eventually show it."""
        answer = await self.interact(body)
        await self.settled()
        return answer

    async def settled(self) -> None:
        """Wait for the adapter's work after acknowledgements (clicks are acknowledged first)."""
        while self.adapter is not None and self.adapter.tasks:
            await asyncio.wait(set(self.adapter.tasks))

    async def submit(self, view: dict[str, Any], values: dict[str, str],
                     user_id: str = ANA) -> tuple[int, Any]:
        """Submit ``view`` (as Parvis opened it) with ``values`` typed into its inputs."""
        body = payload("view_submission")
        body["user"]["id"] = user_id
        state: dict[str, Any] = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            element = block["element"]
            typed = values.get(block["block_id"], element.get("initial_value")
                               or (element.get("initial_option") or {}).get("value"))
            if element["type"] == "static_select":
                chosen = {"value": typed} if typed is not None else None
                state[block["block_id"]] = {element["action_id"]: {"type": "static_select",
                                                                   "selected_option": chosen}}
            else:
                typed_in = {"type": "plain_text_input", "value": typed}
                state[block["block_id"]] = {element["action_id"]: typed_in}
        body["view"].update(callback_id=view["callback_id"], private_metadata=view["private_metadata"],
                            blocks=view["blocks"], state={"values": state})
        return await self.interact(body)

    async def event(self, name: str, retry: int | None = None, event_id: str | None = None,
                    **event: Any) -> tuple[int, Any]:
        body = payload(name)
        body["event"].update(event)
        if event_id is not None:
            body["event_id"] = event_id
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return await self.post(json.dumps(body), "application/json", headers)


def slack_config(api: FakeSlackApi, **overrides: Any) -> SlackConfig:
    values: dict[str, Any] = dict(bot_token=SecretStr(BOT_TOKEN), signing_secret=SecretStr(SECRET),
                                  api_base_url=api.base_url,
                                  aliases=["/ask", "/expert", "/group", "/campaign"],
                                  join_group_on_channel_join=True)
    return SlackConfig.model_validate(values | overrides)


@pytest.fixture(autouse=True)
def patient_acknowledgements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer in the acknowledgement whatever ends within 10 s, not Slack's budget of 2 s: these tests
    check what the reply says, and a machine loaded by other work must not turn it into "working on
    it". Tests of the slow path set ``QUICK_SECONDS`` to 0 themselves."""
    monkeypatch.setattr("adapters.slack.app.QUICK_SECONDS", 10.0)


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi(users={ANA: user(ANA, "ana@example.com", "Ana Martin"),
                               LEA: user(LEA, "lea@example.com", "Léa Dubois", locale="fr-FR")})
    await fake.start()
    yield fake
    await fake.stop()
    assert not fake.violations, "Parvis sent payloads Slack refuses:\n" + "\n".join(fake.violations)


@pytest.fixture
async def slack(api: FakeSlackApi, services: Services, registry: Registry) -> AsyncIterator[Slack]:
    adapter = build_slack(slack_config(api), services, CommandRouter(services, registry))
    services.messengers["slack"] = adapter.messenger
    app = web.Application()
    adapter.install(app)
    app.cleanup_ctx.append(adapter.lifetime)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield Slack(client, api, adapter)
    await client.close()
