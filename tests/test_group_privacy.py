"""No answer tells someone outside a private group that it exists (issue 12, finding 9).

Ana owns the private group "Board Room". Bob (a member), Oliver (an animator) and Mo (a moderator)
are not in it. Every group command they type about it — and the Join button, and a campaign aimed at
it — is answered word for word as the same command about "Tea Room", which does not exist; and
``group create Board Room`` creates their own group exactly as ``group create Tea Room`` would.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.messages import Reply
from core.ports import ConversationRef
from tests.campaign_support import form_values
from tests.conftest import give_role

ANA, BOB, CARL = "ana@example.com", "bob@example.com", "carl@example.com"
OLIVER, MO = "oliver@example.com", "mo@example.com"
HERE = ConversationRef(platform="console", tenant="local", channel="C-general")
PROBES = ["group info {}", "group join {}", "group leave {}", "group members {}", f"group add {{}} {CARL}",
          "group link {}", "group announce {} Hello", "group archive {}", "group pairing on {}"]


@pytest.fixture
async def board(chat, db) -> str:  # type: ignore[no-untyped-def]
    """Ana's private Board Room (Carl is in it); returns its slug."""
    created = await chat(ANA).say("group create Board Room --private -- Strategy")
    assert not created.error, created.text
    await chat(CARL).say("help")
    assert not (await chat(ANA).say(f"group add board room {CARL}")).error
    for email, role in ((BOB, None), (OLIVER, "animator"), (MO, "moderator")):
        await chat(email).say("help")
        if role:
            await give_role(db, email, role)
    return re.findall(r"`(board-room[a-z0-9-]*)`", created.text)[0]


def masked(reply: Reply, reference: str = "board room", control: str = "tea room") -> tuple[str, bool]:
    """The reply with the probed reference (and its first word, which some refusals quote) written
    as the control's."""
    text = reply.text.replace(reference, control).replace(reference.split()[0], control.split()[0])
    for name, other in (("Board Room", "Tea Room"), ("board-room", "tea-room")):
        text = text.replace(name, other)
    return text, reply.error


async def say(router: CommandRouter, chat: Any, email: str, text: str) -> Reply:
    return await router.handle(Invocation(actor=chat(email).actor, text=text, channel=HERE))


@pytest.mark.parametrize("probe", PROBES)
@pytest.mark.parametrize("email", [BOB, OLIVER, MO])
async def test_every_group_command_answers_as_for_a_group_that_does_not_exist(  # type: ignore[no-untyped-def]
        probe: str, email: str, board: str, chat, router: CommandRouter) -> None:
    for reference, other in (("board room", "tea room"), (board, "tea-room")):
        reply = await say(router, chat, email, probe.format(reference))
        control = await say(router, chat, email, probe.format(other))
        assert masked(reply, reference, other) == (control.text, control.error), (reference, reply.text)
        assert "Board" not in reply.text and "Strategy" not in reply.text


async def test_the_join_button_with_a_private_slug_answers_as_for_nothing(board: str, chat) -> None:  # type: ignore[no-untyped-def]
    bob = chat(BOB)
    reply, control = await bob.click("group.join", board), await bob.click("group.join", "tea-room")
    assert masked(reply, board, "tea-room") == (control.text, control.error)


async def test_create_with_the_name_of_a_private_group_answers_as_for_any_free_name(  # type: ignore[no-untyped-def]
        board: str, chat) -> None:
    """Before: "That name is already taken by another group" — telling Bob the group exists."""
    bob = chat(BOB)
    probe, control = await bob.say("group create Board Room"), await bob.say("group create Tea Room")
    assert not probe.error and masked(probe) == (control.text, False), probe.text
    assert "board-room" in probe.text, "Bob's own public group, under the plain slug"
    info = await chat(CARL).say(f"group info {board}")
    assert not info.error and "Strategy" in info.text, "the private group is untouched"


async def test_a_member_of_the_private_group_is_told_it_exists(board: str, chat) -> None:  # type: ignore[no-untyped-def]
    refused = await chat(CARL).say("group create Board Room")
    assert refused.error and board in refused.text
    assert "Strategy" in (await chat(CARL).say("group info board room")).text, "found by its name too"


async def test_a_campaign_cannot_be_aimed_at_a_private_group_one_cannot_see(board: str, chat) -> None:  # type: ignore[no-untyped-def]
    oliver = chat(OLIVER)
    replies = []
    for groups in ("board room", "tea room"):
        opened = await oliver.say("campaign new weekly-learning")
        assert opened.form is not None
        values = form_values(opened, groups=groups, start="2026-03-10", recurrence="once")
        replies.append(await oliver.click(opened.form.action_id, opened.form.value, **values))
    assert masked(replies[0]) == (replies[1].text, True), replies[0].text


async def test_moderators_may_archive_any_group_they_can_see(chat, db) -> None:  # type: ignore[no-untyped-def]
    await chat(ANA).say("group create Data Science")
    await chat(MO).say("help")
    refused = await chat(MO).say("group archive data science")
    assert refused.error and "moderators" in refused.text
    await give_role(db, MO, "moderator")
    assert "archived" in (await chat(MO).say("group archive data science")).text
