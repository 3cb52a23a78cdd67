"""A campaign end to end in Slack: an animator creates it in the modal, the worker's tick sends each
group member a direct message through the SlackMessenger, members answer with buttons and in a modal,
answering again edits, a reminder reaches only who has not answered, and a closed round refuses
answers politely. Real Bolt app, real dispatcher, FakeClock; the only fake is the Slack Web API."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from core.ports import FakeClock
from core.runtime.actor_cache import actor_cache
from core.schema import Delivery, Response
from core.services import Services
from tests.campaign_support import tick
from tests.conftest import give_role
from tests.fakes.slack_api import FakeSlackApi, user
from tests.slack.conftest import ANA, LEA, Slack
from tests.slack.dm_support import button, buttons, click_body, click_in, dms_to, opened_view, text_of

BOB, ZOE = "U0BOB", "U0ZOE"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def responses(services: Services) -> list[Response]:
    async with services.db.uow() as uow:
        rows = select(Response).order_by(col(Response.prompt_id), col(Response.id))  # ids are random
        return list((await uow.session.exec(rows)).all())


async def said(slack: Slack, count: int) -> dict[str, Any]:
    """The ``count``-th answer posted to a response_url (answers to clicks come after the ack)."""
    return (await slack.api.wait_responses(count))[count - 1][1]


def warned(message: dict[str, Any]) -> bool:
    return str(message["blocks"][0]["text"]["text"]).startswith(":warning:")


async def prompted(slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    """Ana (animator) owns Data Science, Léa and Bob joined; a one-off weekly-learning round went out
    on Tuesday 3 March 2026 at 09:30 Paris time."""
    api.users[BOB] = user(BOB, "bob@example.com", "Bob Stone")
    await slack.command("group create Data Science")
    for who in (LEA, BOB):
        await slack.command("group join data-science", user_id=who)
    await give_role(services.db, "ana@example.com", "animator")
    await slack.command("campaign new weekly-learning", channel="C0DATA")
    view = opened_view(slack)
    (prompts,) = [block for block in view["blocks"] if block.get("block_id") == "prompts"]
    with_scale = prompts["element"]["initial_value"] + "\nHow useful was this week? :: 1-5"
    status, ack = await slack.submit(view, {"groups": "data-science", "recurrence": "once",
                                            "timezone": "Europe/Paris", "start": "2026-03-03",
                                            "prompts": with_scale})
    assert status == 200 and ack is None, ack
    status, ack = await slack.command("campaign start 1")
    assert status == 200 and not warned(ack), ack
    clock.current = at("2026-03-03T08:30")
    await tick(services)


async def test_one_person_s_clicks_take_effect_in_the_order_they_came(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Clicks are worked on after their acknowledgement, several at once: Léa clicks 4 then, changing
    her mind, 5; her first click's work is slow, yet 5 is what is kept, as she last said."""
    await prompted(slack, api, services, clock)
    (prompt,) = dms_to(slack, LEA)
    four, five = (next(element for element in buttons(prompt) if element.get("value", "").endswith(f":3:{n}"))
                  for n in (4, 5))                                     # the scale prompt (the third)
    act = slack.adapter.router.act

    async def slow_four(action):  # type: ignore[no-untyped-def]
        if action.value == four["value"]:
            await asyncio.sleep(0.5)
        return await act(action)

    monkeypatch.setattr(slack.adapter.router, "act", slow_four)
    for element in (four, five):
        body = click_body(slack, prompt, element, LEA)
        assert (await slack.interact(body))[0] == 200
    await slack.settled()
    assert [r.scale for r in await responses(services)] == [5]


async def test_members_answer_with_buttons_and_a_modal(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    await prompted(slack, api, services, clock)
    (lea_prompt,), (bob_prompt,) = dms_to(slack, LEA), dms_to(slack, BOB)
    assert "C'est le moment" in text_of(lea_prompt)                   # each in their own language,
    assert "Partage d'apprentissages de la semaine" in text_of(lea_prompt)  # the template's French (issue 19)
    assert "How useful was this week?" in text_of(lea_prompt)         # a question Ana added: as she wrote it
    assert "Weekly learning share" in text_of(bob_prompt) and "moment" not in text_of(bob_prompt)
    async with services.db.uow() as uow:
        sent = (await uow.session.exec(select(Delivery).where(Delivery.status == "sent"))).all()
    assert {d.message_ref["conversation"] for d in sent if d.message_ref} >= {"D0LEA", "D0BOB"}

    choice = button(lea_prompt, "campaign.answer")                   # "On a project"
    status, ack = await click_in(slack, lea_prompt, choice, LEA)
    assert status == 200 and ack is None
    saved = await said(slack, 1)
    assert saved["response_type"] == "ephemeral" and "enregistrée" in saved["text"]
    (row,) = await responses(services)
    assert row.choice == "On a project" and row.text is None
    four, five = (button(lea_prompt, "campaign.answer", f"{row.round_id}:3:{n}") for n in (4, 5))
    await click_in(slack, lea_prompt, four, LEA)
    assert "enregistrée" in (await said(slack, 2))["text"]
    await click_in(slack, lea_prompt, five, LEA)                     # clicking again edits
    assert "mise à jour" in (await said(slack, 3))["text"]
    assert [(r.choice, r.scale) for r in await responses(services)] == [("On a project", None), (None, 5)]

    write = button(bob_prompt, "campaign.write")
    status, ack = await click_in(slack, bob_prompt, write, BOB)
    assert status == 200 and ack is None
    view = opened_view(slack)
    assert view["callback_id"] == "campaign.text" and len(view["title"]["text"]) <= 24
    assert [block["type"] for block in view["blocks"]] == ["input"]   # the prompt once, as the label
    assert view["blocks"][0]["label"]["text"] == "What did you learn this week?"
    status, ack = await slack.submit(view, {"answer": ""}, user_id=BOB)
    assert ack["response_action"] == "errors" and "empty" in ack["errors"]["answer"]
    posted = len(slack.api.made("chat.postMessage"))
    status, ack = await slack.submit(view, {"answer": "Pairing on the hard parts"}, user_id=BOB)
    assert status == 200 and ack is None                              # the modal closes
    thanks = await slack.api.wait_calls("chat.postMessage", posted + 1)
    assert "saved" in text_of(thanks[-1]) and thanks[-1].args["channel"] == BOB

    status, _ = await click_in(slack, bob_prompt, write, BOB)         # answering again edits
    again = opened_view(slack)
    (field,) = [block for block in again["blocks"] if block["type"] == "input"]
    assert field["element"]["initial_value"] == "Pairing on the hard parts"
    await slack.submit(again, {"answer": "Pairing, and writing it down"}, user_id=BOB)
    texts = [row.text for row in await responses(services) if row.text]
    assert texts == ["Pairing, and writing it down"]


async def test_the_text_answer_modal_is_one_slack_opens_and_longer_answers_are_refused(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    """Issue 12, finding 8: the modal asked for ``max_length: 4000``, beyond the 3,000 Slack allows, so
    Slack refused to open it and the answer was lost. Now it asks for 3,000 at most, and the core
    refuses a longer answer (from any platform) with a message in the member's language."""
    await prompted(slack, api, services, clock)
    for who, too_long in ((BOB, "too long"), (LEA, "trop longue")):
        (prompt,) = dms_to(slack, who)
        opened = len(api.made("views.open"))
        await click_in(slack, prompt, button(prompt, "campaign.write"), who)
        assert len(api.made("views.open")) == opened + 1, api.violations   # Slack opened the modal
        view = opened_view(slack)
        (field,) = [block for block in view["blocks"] if block["type"] == "input"]
        assert field["element"]["max_length"] == 3000
        status, ack = await slack.submit(view, {"answer": "x" * 3001}, user_id=who)
        assert status == 200 and ack["response_action"] == "errors"
        assert too_long in ack["errors"]["answer"] and "3000" in ack["errors"]["answer"]
        status, ack = await slack.submit(view, {"answer": "y" * 3000}, user_id=who)
        assert status == 200 and ack is None
    assert sorted(len(row.text or "") for row in await responses(services)) == [3000, 3000]


async def test_a_member_outside_the_audience_cannot_open_the_answer_modal(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    """Issue 12, finding 9: Zoé, in no group of the campaign, clicked the "Answer" button of a prompt
    someone forwarded her (its action id and value) and Slack opened the form, showing the prompt.
    Now no modal opens and she reads only that the question was not sent to her."""
    await prompted(slack, api, services, clock)
    api.users[ZOE] = user(ZOE, "zoe@example.com", "Zoé Roux")
    (bob_prompt,) = dms_to(slack, BOB)
    opened = len(api.made("views.open"))
    status, ack = await click_in(slack, bob_prompt, button(bob_prompt, "campaign.write"), ZOE)
    assert status == 200 and ack is None
    refused = await said(slack, 1)
    assert warned(refused) and "not sent to you" in refused["text"]
    assert "What did you learn" not in str(refused) and "Weekly learning" not in str(refused)
    assert len(api.made("views.open")) == opened
    await click_in(slack, bob_prompt, button(bob_prompt, "campaign.answer"), ZOE)
    assert "not sent to you" in (await said(slack, 2))["text"]
    assert await responses(services) == []


async def test_reminder_only_for_who_has_not_answered(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    await prompted(slack, api, services, clock)
    (lea_prompt,) = dms_to(slack, LEA)
    await click_in(slack, lea_prompt, button(lea_prompt, "campaign.answer"), LEA)
    await said(slack, 1)
    clock.current = at("2026-03-04T08:31")                            # 24 h later: the reminder is due
    await tick(services)
    assert len(dms_to(slack, LEA)) == 1                                # Léa answered: nothing more
    first, reminder = dms_to(slack, BOB)
    assert "Weekly learning share" in text_of(reminder) and text_of(reminder) != text_of(first)
    assert button(reminder, "campaign.write")["value"] == button(first, "campaign.write")["value"]


async def test_a_closed_round_refuses_answers_politely(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    await prompted(slack, api, services, clock)
    (bob_prompt,) = dms_to(slack, BOB)
    write = button(bob_prompt, "campaign.write")
    await click_in(slack, bob_prompt, write, BOB)
    view = opened_view(slack)                                          # opened before the round closed
    clock.current = at("2026-03-06T09:00")                            # 72 h later: closed
    await tick(services)

    await click_in(slack, bob_prompt, button(bob_prompt, "campaign.answer"), BOB)
    refused = await said(slack, 1)
    assert warned(refused) and "closed" in refused["text"]
    opened = len(slack.api.made("views.open"))
    await click_in(slack, bob_prompt, write, BOB)
    assert warned(await said(slack, 2)) and len(slack.api.made("views.open")) == opened
    status, ack = await slack.submit(view, {"answer": "Too late?"}, user_id=BOB)
    assert status == 200 and ack["response_action"] == "errors" and "closed" in ack["errors"]["answer"]
    assert await responses(services) == []
    assert [b["action_id"] for b in buttons(bob_prompt)]               # the prompt itself had buttons


async def test_a_form_sent_from_a_channel_the_bot_is_not_in_is_confirmed_by_dm(
        slack: Slack, services: Services) -> None:
    """Slash commands work in any channel, ephemeral messages only where the bot is a member: the
    confirmation of a submitted form then comes as a direct message rather than not at all."""
    await slack.command("group create Data Science")
    await give_role(services.db, "ana@example.com", "animator")
    await slack.command("campaign new weekly-learning", channel="C0ELSEWHERE")
    slack.api.fail("chat.postEphemeral", "channel_not_found")
    status, ack = await slack.submit(opened_view(slack), {"groups": "data-science"})
    assert status == 200 and ack is None
    (confirmation,) = await slack.api.wait_calls("chat.postMessage", 1)
    assert confirmation.args["channel"] == ANA and "Weekly learning share" in text_of(confirmation)
    assert button(confirmation, "campaign.start")["value"] == "1"


async def test_a_slow_click_still_opens_its_form(slack: Slack, api: FakeSlackApi, services: Services,
                                                  clock: FakeClock) -> None:
    """Bob's first click in this process, while Slack is slow to say who anyone is: a click on what
    Parvis sent him needs no ``users.info`` (his account is known), it is acknowledged at once, and
    its form opens after the acknowledgement, while its trigger (3 s) is still valid."""
    await prompted(slack, api, services, clock)
    (bob_prompt,) = dms_to(slack, BOB)
    slack.adapter.profiles.forget("T0PARVIS", BOB)
    api.slow("users.info", 2.3)
    asked = len(api.made("users.info"))
    status, ack = await click_in(slack, bob_prompt, button(bob_prompt, "campaign.write"), BOB)
    assert status == 200 and ack is None and len(api.made("users.info")) == asked
    await slack.api.wait_calls("views.open", 2)
    assert opened_view(slack)["callback_id"] == "campaign.text"
    assert not slack.api.responses                                    # no text instead of the form


@pytest.mark.parametrize("who, lang", [(LEA, None), (BOB, "fr")])
async def test_a_click_too_slow_for_its_trigger_says_to_click_again(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock, who: str,
        lang: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Léa's Slack speaks French; Bob's speaks English, but he chose French: the "click again" the
    adapter adds follows the language of the reply it completes, never the Slack profile."""
    monkeypatch.setattr("adapters.slack.app.QUICK_SECONDS", 2.0)  # Slack's budget: users.info outlasts it
    await prompted(slack, api, services, clock)
    if lang:
        await slack.command(f"lang {lang}", user_id=who)
    (prompt,) = dms_to(slack, who)
    slack.adapter.profiles.forget("T0PARVIS", who)
    api.fail("views.open", "expired_trigger_id")
    status, _ = await click_in(slack, prompt, button(prompt, "campaign.write"), who)
    assert status == 200
    told = await said(slack, 1)
    assert told["response_type"] == "ephemeral" and "Cliquez à nouveau" in str(told["blocks"])


async def test_a_channel_campaign_is_answered_from_the_channel_post(
        slack: Slack, api: FakeSlackApi, services: Services) -> None:
    """Mode "channel": one post in the group's linked channel; members answer from it, each answer
    their own (ephemeral replies, the text form's confirmation ephemeral in that channel too)."""
    await slack.command("group create Data Science")
    await slack.command("group join data-science", user_id=LEA)
    await slack.command("group link data-science", channel="C0DATA")
    await give_role(services.db, "ana@example.com", "animator")
    await slack.command("campaign new ice-breakers", channel="C0DATA")
    status, ack = await slack.submit(opened_view(slack), {"groups": "data-science", "mode": "channel",
                                                          "recurrence": "once", "start": "2026-03-03",
                                                          "timezone": "Europe/Paris"})
    assert status == 200 and ack is None, ack
    await slack.command("campaign start 1")
    services.clock.current = at("2026-03-03T10:00")  # type: ignore[attr-defined]  # 11:00 Paris
    await tick(services)
    (post,) = [call for call in api.made("chat.postMessage") if call.args["channel"] == "C0DATA"]
    assert not dms_to(slack, LEA) and not dms_to(slack, ANA)

    await click_in(slack, post, button(post, "campaign.answer"), LEA)    # "Coffee"
    assert "enregistrée" in (await said(slack, 1))["text"]             # Léa's own language
    await click_in(slack, post, button(post, "campaign.write"), ANA)
    view = opened_view(slack)
    assert view["callback_id"] == "campaign.text"
    await slack.submit(view, {"answer": "I collect maps"})
    confirmation = (await api.wait_calls("chat.postEphemeral", 2))[-1]
    assert confirmation.args["channel"] == "C0DATA" and confirmation.args["user"] == ANA
    assert "saved" in confirmation.args["text"]
    assert sorted((r.member_id, r.choice or r.text) for r in await responses(services)) == [
        (1, "I collect maps"), (2, "Coffee")]


async def test_a_first_click_after_a_restart_reads_the_account_once(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """At 9:00 most clicks are the first thing a member does since the process started: nothing is
    cached. The account is then read once, which both says it is known (no ``users.info``) and
    resolves the member for the click (the router's resolution finds it kept)."""
    await prompted(slack, api, services, clock)
    (prompt,) = dms_to(slack, LEA)
    slack.adapter.profiles.forget("T0PARVIS", LEA)                     # as in a new process
    actor_cache(services.db).forget(None)
    lookups, reads, read = slack.adapter.profiles.lookups, [], services.db.read

    async def counted(statement, params=None):  # type: ignore[no-untyped-def]
        reads.append(str(statement))
        return await read(statement, params)

    monkeypatch.setattr(services.db, "read", counted)
    status, _ack = await click_in(slack, prompt, button(prompt, "campaign.answer"), LEA)
    assert status == 200 and "enregistrée" in (await said(slack, 1))["text"]
    assert slack.adapter.profiles.lookups == lookups                   # no users.info
    assert len([s for s in reads if re.search(r"\bFROM identity\b", s)]) == 1
    assert [r.choice for r in await responses(services)] == ["On a project"]
