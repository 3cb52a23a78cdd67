"""The grammar: matching, tolerance, suggestions, and the router's error boundary."""

from __future__ import annotations

import asyncio

import pytest

from core.capabilities import build_registry
from core.commands.grammar import match
from core.commands.router import COMMANDS_AT_ONCE
from core.directory import members as directory
from core.errors import UsageError
from tests.conftest import actor

REGISTRY = build_registry()


def test_match_finds_two_word_commands_and_keeps_the_rest_verbatim() -> None:
    found, args = match(REGISTRY, "group create Data Science -- All about data")
    assert found.path == ("group", "create")
    assert args.text == "Data Science -- All about data"
    assert args.tokens == ("Data", "Science", "--", "All", "about", "data")


@pytest.mark.parametrize("text", ["/parvis help", "parvis help", "/help", "HELP", "  help  "])
def test_prefixes_and_case_are_tolerated(text: str) -> None:
    assert match(REGISTRY, text)[0].path == ("help",)


def test_unknown_area_suggests_the_closest() -> None:
    with pytest.raises(UsageError) as caught:
        match(REGISTRY, "grop list")
    assert caught.value.params["suggestion"] == "group"


def test_unknown_subcommand_suggests_the_closest() -> None:
    with pytest.raises(UsageError) as caught:
        match(REGISTRY, "group jion data")
    assert caught.value.params["suggestion"] == "join"


def test_too_long_text_is_refused_with_its_length() -> None:
    with pytest.raises(UsageError) as caught:
        match(REGISTRY, "ask " + "x" * 10_000)
    assert caught.value.key == "errors.too_long"
    assert caught.value.params["length"] == 10_004


async def test_router_answers_help_in_the_members_language(chat) -> None:  # type: ignore[no-untyped-def]
    reply = await chat("ana@example.com", locale="fr-FR").say("help")
    assert "Commandes" in reply.text
    assert not reply.error


async def test_lang_switch_is_remembered(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com", locale="en-US")
    assert "français" in (await ana.say("lang fr")).text
    assert "Tapez une commande" in (await ana.say("")).text
    assert (await ana.say("lang de")).error


async def test_every_reply_says_which_language_it_is_in(chat, services) -> None:  # type: ignore[no-untyped-def]
    """Adapters take the words they add from ``Reply.locale``: the router sets it on answers, usage
    errors, actions and cached repeats alike, and ``known_locale`` gives it before any answer."""
    ana = chat("ana@example.com", locale="en-US")
    assert (await ana.say("help")).locale == "en"
    assert (await ana.say("lang fr")).locale == "fr"  # the confirmation is already French
    replies = [await ana.say("help"), await ana.say("help"), await ana.say("grop list"),
               await ana.click("nonsense.action"), await ana.say("group create Data")]
    assert [reply.locale for reply in replies] == ["fr"] * 5
    assert directory.known_locale(services, ana.actor) == "fr"  # the platform still says en-US
    assert directory.known_locale(services, actor("new@example.com", "fr-CA")) == "fr"


async def test_empty_and_control_characters_never_raise(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    for text in ["", "   ", "\x00\x01", "group \x07list", '"unbalanced', "«", "help \u202e"]:
        reply = await ana.say(text)
        assert reply.text


async def test_commands_take_turns_in_order(chat, router, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At most ``COMMANDS_AT_ONCE`` commands work at once, the others waiting in the order they
    came: interleaving every request under way made the commands of many steps (the writes) wait
    for all the others at each step. None is lost or refused for waiting."""
    running, most = 0, 0
    work = router._transact_now

    async def counted(*args):  # type: ignore[no-untyped-def]
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.01)
            return await work(*args)
        finally:
            running -= 1

    monkeypatch.setattr(router, "_transact_now", counted)
    replies = await asyncio.gather(*(chat(f"p{n}@example.com").say(f"group create Team {n}")
                                     for n in range(4 * COMMANDS_AT_ONCE)))
    assert not any(reply.error for reply in replies)
    assert most == COMMANDS_AT_ONCE
