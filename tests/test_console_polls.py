"""Quick polls in the console: in a chat started in a channel (``parvis chat --channel lunch``), the
poll is posted in that channel with its options as numbered choices; three people taking turns at
the terminal vote by number and the message is shown again with the counts."""

from __future__ import annotations

import io

from adapters.console.app import attach_messenger, open_chat, stream_reader
from adapters.console.outbound import Screen
from core.delivery.dispatcher import Dispatcher
from core.polls.updates import UPDATE_EVERY
from core.registry import Registry
from core.services import Services


async def test_three_people_at_the_terminal_vote_and_see_the_counts(services: Services,
                                                                    registry: Registry) -> None:
    out = io.StringIO()
    screen = Screen(out)
    attach_messenger(services, screen, "ana@example.com", "#lunch")

    async def turn(email: str, *lines: str) -> None:
        chat = open_chat(services, registry, email, screen, stream_reader(io.StringIO("")), channel="#lunch")
        for line in lines:
            await chat.turn(line)

    await turn("ana@example.com", 'poll "Lunch on Friday?" "Pizza" "Sushi"', "1")
    text = out.getvalue()
    assert "── post in #lunch ──\n📊 Lunch on Friday?" in text
    assert "[1] Pizza  [2] Sushi  [3] Close poll" in text
    assert "── message updated — post in #lunch ──" in text and "1 vote (100 %)" in text
    await turn("bob@example.com", "2")
    await turn("cy@example.com", "1")
    services.clock.advance(UPDATE_EVERY)  # type: ignore[attr-defined]
    await Dispatcher(services).run_once()
    last = out.getvalue().rpartition("── message updated")[2]
    assert "Pizza  ▓▓▓▓▓▓▓░░░  2 votes (67 %)" in last and "Sushi  ▓▓▓░░░░░░░  1 vote (33 %)" in last
    assert "3 people voted" in last
    await turn("ana@example.com", "3")
    closed = out.getvalue().rpartition("── message updated")[2]
    assert "📊 Lunch on Friday? (closed)" in closed and "[1]" not in closed


async def test_without_a_channel_the_console_says_how_to_post_a_poll(services: Services,
                                                                     registry: Registry) -> None:
    out = io.StringIO()
    screen = Screen(out)
    attach_messenger(services, screen, "ana@example.com")
    chat = open_chat(services, registry, "ana@example.com", screen, stream_reader(io.StringIO("")))
    await chat.turn('poll "Lunch?" "Pizza" "Sushi"')
    assert "start the chat with --channel <name>" in out.getvalue()
