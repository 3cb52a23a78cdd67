"""The web console in process: the same router as the chat (``chat`` fixture) behind an aiohttp test
server, with ``[web] public_url`` set so that ``dashboard`` gives links."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web.app import console_app
from core.commands.router import CommandRouter
from core.ports import FakeClock, FakeMessenger
from core.registry import Registry
from core.runtime.db import Database
from core.services import Services
from core.settings import WebSettings
from tests.conftest import TEST_SETTINGS

PUBLIC = "http://parvis.test"
LINK = re.compile(r"\((http://parvis\.test/app/signin/[^)\s]+)\)")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@pytest.fixture
def services(db: Database, clock: FakeClock, messenger: FakeMessenger, registry: Registry) -> Services:
    return Services(db=db, renderers=registry, clock=clock, messengers={"console": messenger},
                    settings=replace(TEST_SETTINGS, web=WebSettings(public_url=PUBLIC, session_hours=8)))


@pytest.fixture
async def web_client(services: Services, router: CommandRouter) -> AsyncIterator[TestClient]:
    app = web.Application()
    app.add_subapp("/app/", console_app(services, router))
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


async def sign_in(chat: Any, client: TestClient, email: str) -> str:
    """``dashboard`` in the chat, then the link opened and its *Sign in* pressed; returns the page's CSRF."""
    reply = await chat(email).say("dashboard")
    assert not reply.error, reply.text
    path = link_in(reply.text).removeprefix(PUBLIC)
    assert (await client.get(path)).status == 200
    response = await client.post(path)
    assert response.status == 200, await response.text()
    return csrf_of(await response.text())


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)
