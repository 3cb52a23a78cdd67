"""The console chat runs the worker: a campaign started in the chat prints its prompt when due, the
chat ends cleanly at the end of input, and the worker is left out where it must not deliver."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from collections.abc import Callable

from adapters.console.app import attach_messenger, open_chat, threaded
from adapters.console.outbound import Screen
from bots.cli_chat import converse, worker_allowed
from bots.config import Config
from core.registry import Registry
from core.runtime.scheduler import worker_of
from core.services import Services
from tests.campaign_support import ANA, create, demo_group

FAST = {"campaigns.rounds": 0.2, "campaigns.reminders": 0.2, "campaigns.close": 0.2, "outbox.dispatch": 0.1}


def script(lines: list[str], out: io.StringIO, until: str,
           timeout: float = 20.0) -> Callable[[str], str | None]:
    """A member typing ``lines``, then waiting (as a person would) until ``until`` is printed, then
    ending the input. Runs in the chat's reading thread, never on the event loop."""
    pending = list(lines)

    def read(_prompt: str) -> str | None:
        assert threading.current_thread() is not threading.main_thread()
        if pending:
            return pending.pop(0)
        deadline = time.monotonic() + timeout
        while until not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        return None

    return read


async def test_a_campaign_started_in_the_chat_prints_its_prompt(chat, db, clock, services: Services,  # type: ignore[no-untyped-def]
                                                                registry: Registry) -> None:
    await demo_group(chat, db)                     # Ana (Paris) owns Data Science; Bob (Paris), Carl (NY)
    created = await create(chat, title="Learning now", recurrence="once", start="2026-03-02", time="09:00",
                           prompts="What did you learn today?")
    assert not created.error, created.text         # 09:00 in Paris is the fake clock's now: due at once
    out = io.StringIO()
    screen = Screen(out)
    attach_messenger(services, screen, ANA)
    session = open_chat(services, registry, ANA, screen, threaded(script(["campaign start 1"], out,
                                                               until="message to Bob")), echo=True)
    await asyncio.wait_for(converse(session, intervals=FAST), timeout=30)
    text = out.getvalue()
    assert "› campaign start 1\n" in text and "started" in text
    assert "── message to Bob (bob@example.com) ──\nLearning now" in text
    assert "── message to you ──\nLearning now" in text
    assert "What did you learn today?" in text
    assert "message to Carl" not in text           # 09:00 in New York is hours away
    assert worker_of(services) is None             # stopped with the chat


async def test_without_the_worker_nothing_is_sent(chat, db, clock, services: Services,  # type: ignore[no-untyped-def]
                                                  registry: Registry) -> None:
    await demo_group(chat, db)
    await create(chat, title="Learning now", recurrence="once", start="2026-03-02", time="09:00")
    out = io.StringIO()
    screen = Screen(out)
    attach_messenger(services, screen, ANA)
    session = open_chat(services, registry, ANA, screen, threaded(script(["campaign start 1"], out, until="—",
                                                               timeout=1.0)), echo=True)
    await asyncio.wait_for(converse(session, worker=False), timeout=30)
    assert "started" in out.getvalue() and "message to" not in out.getvalue()


def test_the_worker_is_left_to_parvis_serve_when_slack_or_teams_is_configured() -> None:
    assert worker_allowed(Config())
    assert not worker_allowed(Config.model_validate({"scheduler": {"enabled": False}}))
    slack = {"slack": {"bot_token": "xoxb-1", "signing_secret": "s"}}
    assert not worker_allowed(Config.model_validate(slack))
