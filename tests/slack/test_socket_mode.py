"""Socket Mode: the same listeners behind a WebSocket, for bots that cannot receive inbound HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from adapters.slack.app import SlackAdapter, build_slack
from core.commands.router import CommandRouter
from core.registry import Registry
from core.runtime.reply_cache import reply_cache
from core.services import Services
from tests.fakes.slack_api import APP_TOKEN, FakeSlackApi
from tests.fakes.slack_socket import FakeSocketMode
from tests.slack.conftest import ack_problems, payload, slack_config


@pytest.fixture
async def socket(api: FakeSlackApi) -> AsyncIterator[FakeSocketMode]:
    server = await FakeSocketMode().start()
    api.ws_url = server.url
    yield server
    await server.stop()
    for ack in server.acks.values():  # checked as HTTP acknowledgements are (the api fixture asserts)
        api.check("ack", ack_problems(ack.get("payload")))


@pytest.fixture
async def adapter(api: FakeSlackApi, socket: FakeSocketMode,
                  services: Services, registry: Registry) -> AsyncIterator[SlackAdapter]:
    config = slack_config(api, socket_mode=True, app_token=SecretStr(APP_TOKEN), signing_secret=None)
    slack = build_slack(config, services, CommandRouter(services, registry))
    await slack.start()
    await socket.connected.wait()
    yield slack
    await slack.stop()


async def test_a_slash_command_over_socket_mode(adapter: SlackAdapter, socket: FakeSocketMode,
                                                api: FakeSlackApi) -> None:
    (opened,) = api.made("apps.connections.open")
    assert opened.token == APP_TOKEN
    body = payload("slash_command") | {"text": "group create Data Science",
                                       "response_url": api.response_url()}
    envelope = await socket.send("slash_commands", body)
    ack = await socket.reply(envelope)
    assert "Data Science" in ack["payload"]["text"]
    assert ack["payload"]["response_type"] == "ephemeral"
    listed, hits = [], reply_cache(adapter.services.db).hits
    for _ in range(2):                      # the repeat is acknowledged from memory, as JSON too
        body = payload("slash_command") | {"text": "group list", "response_url": api.response_url()}
        listed.append((await socket.reply(await socket.send("slash_commands", body)))["payload"])
    assert listed[0] == listed[1] and "Data Science" in listed[1]["text"]
    assert listed[1]["blocks"] and listed[1]["response_type"] == "ephemeral"
    assert reply_cache(adapter.services.db).hits == hits + 1


async def test_a_retried_event_over_socket_mode_is_handled_once(adapter: SlackAdapter, socket: FakeSocketMode,
                                                                api: FakeSlackApi) -> None:
    event = payload("app_home_opened")
    for attempt in (0, 1):
        await socket.reply(await socket.send("events_api", event, retry_attempt=attempt))
    assert len(api.made("views.publish")) == 1


async def test_a_click_over_socket_mode(adapter: SlackAdapter, socket: FakeSocketMode,
                                        api: FakeSlackApi) -> None:
    await socket.reply(await socket.send("slash_commands", payload("slash_command") | {
        "text": "group create Data Science", "response_url": api.response_url()}))
    click = payload("block_actions") | {"response_url": api.response_url("click")}
    click["user"]["id"] = "U0LEA"
    await socket.reply(await socket.send("interactive", click))
    (_, answer), = await api.wait_responses(1)
    assert "Data Science" in answer["text"]
