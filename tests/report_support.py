"""Shared by the report tests: a campaign with a text, a choice and a scale question, sent and answered
through the real commands, clicks and dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.ports import FakeClock, FakeMessenger
from core.runtime.db import Database
from core.services import Services
from tests.campaign_support import ANA, create, demo_group, inbox, ok, tick

PROMPTS = "What did you learn?\nWhere? :: Project | Colleague | Course\nHow useful? :: 1-5"
TITLE = 'Retro <Q&A> "fun"'


async def answer(chat: Any, messenger: FakeMessenger, email: str, text: str | None = None,
                 choice: str | None = None, scale: int | None = None) -> None:
    """Answer the latest prompt ``email`` got, as they would by clicking its buttons."""
    prompt = inbox(messenger, email)[-1]
    who = chat(email)
    for section in prompt.sections[1:]:
        first = section.buttons[0]
        if first.action_id == "campaign.write":
            if text is not None:
                form = (await who.click(first.action_id, first.value)).form
                assert form is not None
                saved = await who.click(form.action_id, form.value, answer=text)
                assert not saved.error, saved.text
            continue
        wanted = choice if section.buttons[0].label == "Project" else (str(scale) if scale else None)
        for button in section.buttons:
            if button.label == wanted:
                clicked = await who.click(button.action_id, button.value)
                assert not clicked.error, clicked.text


async def sent_campaign(chat: Any, db: Database, clock: FakeClock, services: Services, *,
                        anonymous: bool = False) -> None:
    """Campaign #1 (Ana, Bob and Carl in "Data Science"), its one round sent to all three."""
    await demo_group(chat, db)
    created = await create(chat, title=TITLE, recurrence="once", start="2026-03-09", prompts=PROMPTS,
                           anonymous="yes" if anonymous else "no")
    assert not created.error, created.text
    await ok(chat(ANA), "campaign start 1")
    clock.current = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 09:30 has passed in Paris and New York
    await tick(services)
