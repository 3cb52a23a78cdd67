"""Slash commands through the real Bolt app: signed HTTP in, acknowledgement out."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from core.capabilities import build_registry
from core.groups.models import Group
from core.i18n import t
from core.schema import Identity, Member
from tests.slack.conftest import ANA, LEA, Slack

SAMPLES = {
    ("help",): "help group", ("lang",): "lang en", ("group", "create"): "group create Data Science",
    ("group", "pairing"): "group pairing on data-science",
    ("role", "grant"): "role grant animator lea@example.com",
    ("role", "revoke"): "role revoke animator lea@example.com", ("ask",): "ask how do I deploy kubernetes?",
    ("campaign", "report"): "campaign report 1", ("moderation", "report"): "moderation report https://x spam",
}
COMMANDS = build_registry().commands


def sample(path: tuple[str, ...]) -> str:
    return SAMPLES.get(path, " ".join(path) + (" data-science" if COMMANDS[path].min_args else ""))


async def test_help_is_answered_in_the_acknowledgement(slack: Slack) -> None:
    status, ack = await slack.command("help")
    assert status == 200
    assert ack["response_type"] == "ephemeral"
    assert ack["blocks"][0]["type"] == "header"
    assert "group" in ack["text"]
    assert slack.api.responses == []  # nothing needed after the ack


async def test_the_slack_user_becomes_a_member_found_by_email_and_is_looked_up_once(
        slack: Slack, services) -> None:
    for _ in range(3):
        status, _ack = await slack.command("group list")
        assert status == 200
    assert len(slack.api.made("users.info")) == 1
    async with services.db.uow() as uow:
        member = (await uow.session.exec(select(Member).where(Member.email == "ana@example.com"))).one()
        identity = (await uow.session.exec(select(Identity))).one()
    assert (member.display_name, member.timezone) == ("Ana Martin", "Europe/Paris")
    assert (identity.platform, identity.tenant, identity.user_id) == ("slack", "T0PARVIS", ANA)


async def test_a_french_slack_locale_means_french_until_the_member_chooses(slack: Slack) -> None:
    _, ack = await slack.command("group list", user_id=LEA)
    _, english = await slack.command("group list")
    assert ack["text"] != english["text"]
    await slack.command("lang en", user_id=LEA)
    slack.adapter.profiles.forget("T0PARVIS", LEA)  # Slack still says fr-FR: the choice must win
    _, after = await slack.command("group list", user_id=LEA)
    assert after["text"] == english["text"]


@pytest.mark.parametrize("alias,text,same_as", [
    ("/group", "list", "group list"), ("/expert", "find python", "expert find python"),
    ("/campaign", "list", "campaign list"), ("/ask", "who knows rust?", "ask who knows rust?"),
])
async def test_aliases_name_their_area(slack: Slack, alias: str, text: str, same_as: str) -> None:
    status, via_alias = await slack.command(text, command=alias)
    _, direct = await slack.command(same_as)
    assert status == 200
    assert re.sub(r"\d+", "N", via_alias["text"]) == re.sub(r"\d+", "N", direct["text"])  # question ids


async def test_every_command_of_the_grammar_round_trips(slack: Slack) -> None:
    """Implemented or not yet, every command gets a 200 and a message (never a Slack error)."""
    for path in sorted(COMMANDS):
        status, ack = await slack.command(sample(path))
        assert status == 200, path
        if ack is None:  # the reply was a form: it opened as a modal
            assert slack.api.made("views.open"), path
            continue
        assert ack["text"].strip(), path
        assert len(ack.get("blocks", [])) <= 50, path


async def test_unknown_and_empty_commands_get_usage_not_an_error(slack: Slack) -> None:
    status, ack = await slack.command("gruop list")
    assert status == 200 and "group" in ack["text"]
    status, ack = await slack.command("")
    assert status == 200 and ack["text"]


async def test_a_group_created_in_slack_shows_with_a_join_button(slack: Slack) -> None:
    await slack.command("group create Data Science -- models and dashboards")
    _, ack = await slack.command("group list", user_id=LEA)
    buttons = [block["accessory"] for block in ack["blocks"] if "accessory" in block]
    assert buttons[0]["action_id"] == "group.join" and buttons[0]["value"] == "data-science"


async def test_a_slow_command_is_acknowledged_then_answered_through_respond(
        slack: Slack, monkeypatch) -> None:
    monkeypatch.setattr("adapters.slack.app.QUICK_SECONDS", 0)
    status, ack = await slack.command("help")
    assert status == 200 and ack["response_type"] == "ephemeral"
    (_, answer), = await slack.api.wait_responses(1)
    assert answer["response_type"] == "ephemeral" and answer["blocks"][0]["type"] == "header"
    assert answer["replace_original"] is False


async def test_working_on_it_is_said_in_the_member_s_language(slack: Slack, monkeypatch) -> None:
    """Ana's Slack profile says en-US but she chose French: the adapter's own "working on it…" is
    French, as the core knows her (no member read by the adapter)."""
    await slack.command("lang fr")
    await slack.command("group list")
    monkeypatch.setattr("adapters.slack.app.QUICK_SECONDS", 0)
    status, ack = await slack.command("group create Guild")
    assert status == 200 and ack == {"text": t("fr", "slack.working"), "response_type": "ephemeral"}
    (_, answer), = await slack.api.wait_responses(1)
    assert "Guild" in answer["text"] and "**" not in answer["text"]


async def test_an_announcement_is_posted_in_linked_channels(slack: Slack) -> None:
    await slack.command("group create Data Science")
    _, linked = await slack.command("group link data-science", channel="C0DATA")
    assert linked["response_type"] == "ephemeral"
    status, ack = await slack.command("group announce data-science Meetup on Friday!")
    assert status == 200
    posts = await slack.api.wait_calls("chat.postMessage", 1)
    assert posts[0].args["channel"] == "C0DATA"
    assert "Meetup on Friday!" in posts[0].args["text"]


async def test_a_repeated_read_is_acknowledged_from_memory_and_still_sees_changes(slack: Slack) -> None:
    await slack.command("group create Data Science")
    _, first = await slack.command("group list")
    started: list[str] = []
    router = slack.adapter.router
    run = router.run  # every command that is not answered from memory runs here, known user or not

    async def counted_run(prepared, act=None):  # type: ignore[no-untyped-def]
        started.append(prepared.text)
        return await run(prepared, act)

    router.run = counted_run  # type: ignore[method-assign]
    _, again = await slack.command("group list")
    assert again == first and started == []       # no task, no database: the reply was in memory
    assert slack.content_type.startswith("application/json")      # Slack shows JSON, not its text
    await slack.command("group join data-science", user_id=LEA)
    _, after = await slack.command("group list")
    assert started == ["group join data-science", "group list"]   # the join emptied the cache
    assert after != first


async def test_typed_ampersands_and_brackets_are_stored_as_typed(slack: Slack, services) -> None:
    """Slack sends typed ``&``, ``<``, ``>`` as entities: a group named "R&D <core>" must not be stored
    as "R&amp;D &lt;core&gt;" (and shown back doubly escaped)."""
    status, ack = await slack.command("group create R&amp;D &lt;core&gt; -- Research &amp;amp; more")
    assert status == 200
    async with services.db.uow() as uow:
        group = (await uow.session.exec(select(Group))).one()
    assert group.name == "R&D <core>"
    assert group.description == "Research &amp; more"  # a typed "&amp;" stays as typed
    assert "&amp;amp;" not in ack["text"] and "R&amp;D" in ack["text"]  # escaped once, for mrkdwn
