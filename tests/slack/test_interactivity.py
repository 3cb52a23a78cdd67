"""Buttons and modals through the real Bolt app: clicks become Actions, forms become modals."""

from __future__ import annotations

import asyncio
import time

from sqlmodel import select

from adapters.slack.app import Turns
from bots.bootstrap import apply_roles
from bots.config import RolesConfig
from core.schema import Campaign, GroupMember
from tests.slack.conftest import LEA, Slack, payload


async def test_a_join_click_joins_and_answers_through_respond(slack: Slack, services) -> None:
    await slack.command("group create Data Science")
    status, body = await slack.click("group.join", "data-science", user_id=LEA)
    assert status == 200 and body is None  # an empty ack: Slack shows nothing for the click itself
    (_, answer), = await slack.api.wait_responses(1)
    assert "Data Science" in answer["text"] and answer["response_type"] == "ephemeral"
    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(GroupMember))).all()
    assert len(rows) == 2


async def test_a_click_is_acknowledged_before_its_work(slack: Slack, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At 9:00 thousands answer a campaign at once and the clicks' work queues: their
    acknowledgements must not queue with it (Slack gives up after 3 s). Here the work of a click
    takes 4 s; its acknowledgement still comes at once, and the answer after."""
    await slack.command("group create Data Science")
    act = slack.adapter.router.act

    async def slow(action):  # type: ignore[no-untyped-def]
        await asyncio.sleep(4)
        return await act(action)

    monkeypatch.setattr(slack.adapter.router, "act", slow)
    begin = time.monotonic()
    body = payload("block_actions")
    body["user"]["id"] = LEA
    body["actions"][0].update(action_id="group.join", value="data-science")
    body["response_url"] = slack.api.response_url("slow")
    status, ack = await slack.interact(body)
    assert status == 200 and ack is None and time.monotonic() - begin < 1.5
    assert not slack.api.responses                       # the work is still under way
    await slack.settled()
    (_, answer), = await slack.api.wait_responses(1)
    assert "Data Science" in answer["text"]


async def test_calls_to_slack_share_keep_alive_connections(slack: Slack) -> None:
    """Replies through ``response_url`` and Web API calls reuse the adapter's connections instead of
    opening one each (a TCP and TLS handshake per click is most of a burst's cost)."""
    await slack.command("group create Data Science")
    first = len(slack.api.peers)
    for n in range(4):
        await slack.click("group.join" if n % 2 == 0 else "group.leave", "data-science", user_id=LEA)
    await slack.api.wait_responses(4)
    used = slack.api.peers[first:]
    assert len(used) >= 5 and len(set(used)) <= 2, used   # users.info once, four replies


async def test_a_click_for_a_group_that_no_longer_exists_gets_a_clear_message(slack: Slack) -> None:
    status, _ = await slack.click("group.join", "deleted-group", user_id=LEA)
    assert status == 200
    (_, answer), = await slack.api.wait_responses(1)
    assert "deleted-group" in answer["text"] and answer["text"].startswith(":warning:") is False
    assert answer["blocks"][0]["text"]["text"].startswith(":warning:")


async def test_an_unknown_action_id_is_acknowledged_and_explained(slack: Slack) -> None:
    status, _ = await slack.click("nonsense.thing", "x")
    assert status == 200
    (_, answer), = await slack.api.wait_responses(1)
    assert answer["text"]


async def test_a_duplicate_action_id_suffix_is_stripped(slack: Slack) -> None:
    await slack.command("group create Data Science")
    await slack.click("group.join#2", "data-science", user_id=LEA)
    (_, answer), = await slack.api.wait_responses(1)
    assert "Data Science" in answer["text"]


async def _open_campaign_form(slack: Slack, services) -> dict:
    await apply_roles(services.db, RolesConfig(animators=["ana@example.com"]))
    await slack.command("group create Data Science")
    status, ack = await slack.command("campaign new weekly-learning", channel="C0DATA")
    assert status == 200 and ack is None  # the form opened as a modal instead of a message
    (opened,) = slack.api.made("views.open")
    assert opened.args["trigger_id"]
    return opened.args["view"]


async def test_campaign_new_opens_a_modal_within_slack_limits(slack: Slack, services) -> None:
    view = await _open_campaign_form(slack, services)
    assert view["type"] == "modal" and view["callback_id"] == "campaign.create"
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    inputs = [block for block in view["blocks"] if block["type"] == "input"]
    assert {block["block_id"] for block in inputs} >= {"title", "groups", "prompts"}


async def test_a_wrong_value_is_shown_in_the_modal_then_a_good_one_creates(slack: Slack, services) -> None:
    view = await _open_campaign_form(slack, services)
    status, ack = await slack.submit(view, {"groups": "data-science", "reminder_after": "soon"})
    assert status == 200
    assert ack["response_action"] == "errors"
    assert list(ack["errors"]) == ["reminder_after"]      # under the input that is wrong
    assert "soon" in ack["errors"]["reminder_after"]
    _, ack = await slack.submit(view, {"groups": "no-such-group"})
    assert list(ack["errors"]) == ["groups"]
    _, ack = await slack.submit(view, {"groups": "data-science", "recurrence": "FREQ=SOMETIMES"})
    assert list(ack["errors"]) == ["recurrence"]
    status, ack = await slack.submit(view, {"groups": "data-science"})
    assert status == 200 and ack is None  # the modal closes
    posted = await slack.api.wait_calls("chat.postEphemeral", 1)
    assert posted[0].args["channel"] == "C0DATA"
    async with services.db.uow() as uow:
        (campaign,) = (await uow.session.exec(select(Campaign))).all()
    assert campaign.status == "draft"


async def test_an_expired_trigger_shows_the_form_text_instead(slack: Slack, services) -> None:
    await apply_roles(services.db, RolesConfig(animators=["ana@example.com"]))
    slack.api.fail("views.open", "expired_trigger_id")
    status, ack = await slack.command("campaign new")
    assert status == 200 and ack["text"]


async def test_a_click_on_an_archived_group_is_refused_clearly(slack: Slack) -> None:
    await slack.command("group create Data Science")
    await slack.command("group archive data-science")
    await slack.click("group.join", "data-science", user_id=LEA)
    (_, answer), = await slack.api.wait_responses(1)
    assert answer["blocks"][0]["text"]["text"].startswith(":warning:")


async def test_turns_keep_one_person_in_order_even_while_others_wait() -> None:
    """``Turns`` (one person's clicks in order): a click arriving just as the first ends, while two
    are waiting, takes its turn after them — never beside one."""
    turns, order, running, most = Turns(), [], 0, 0

    async def click(n: int, seconds: float) -> None:
        nonlocal running, most
        async with turns.of("U0LEA"):
            running += 1
            most = max(most, running)
            order.append(n)
            await asyncio.sleep(seconds)
            running -= 1

    first = asyncio.create_task(click(1, 0.05))
    await asyncio.sleep(0.01)
    waiting = [asyncio.create_task(click(n, 0.05)) for n in (2, 3)]
    await first
    await asyncio.gather(*waiting, click(4, 0.01))
    assert order == [1, 2, 3, 4] and most == 1 and not turns._locks
