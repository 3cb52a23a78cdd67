"""Answers: buttons and text, editing, anonymity (never a name, no figure under three answers),
refusals; and who is left out at materialisation or send time (holidays, away)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from sqlmodel import select

from core.campaigns.answers import respondent_keys
from core.schema import ActivityEvent, Campaign, Delivery, ExpertStatus, Response
from tests.campaign_support import ANA, BOB, CARL, DEE, create, demo_group, inbox, member, ok, tick
from tests.conftest import TEST_SETTINGS
from tests.test_campaign_messages import counting

RETRO = "project-retrospective"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _prompted(chat, db, clock, messenger, services, template: str = RETRO, people=(BOB, CARL, DEE),  # type: ignore[no-untyped-def]
                    **overrides: str):
    await demo_group(chat, db, people)
    values = {"start": "2026-03-10", "timezone": "Europe/Paris", "recurrence": "once", **overrides}
    created = await create(chat, template, **values)
    assert not created.error, created.text
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T09:00")
    await tick(services)
    return inbox(messenger, BOB)[0]


async def _write(chat, email: str, prompt, section: int, text: str):  # type: ignore[no-untyped-def]
    button = prompt.sections[section].buttons[0]
    opened = await chat(email).click(button.action_id, button.value)
    assert opened.form is not None, opened.text
    return await chat(email).click(opened.form.action_id, opened.form.value, answer=text)


async def test_anonymous_answers_keep_no_link_to_the_member(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    prompt = await _prompted(chat, db, clock, messenger, services)
    assert prompt.context is not None and "anonymous" in prompt.context
    scale = prompt.sections[1].buttons[3]
    assert scale.label == "4"
    clock.current = at("2026-03-10T11:17")
    assert "saved" in (await chat(BOB).click(scale.action_id, scale.value)).text
    five = prompt.sections[1].buttons[4]
    assert "updated" in (await chat(BOB).click(five.action_id, five.value)).text   # answering again edits
    assert not (await _write(chat, BOB, prompt, 2, "Pairing on the hard parts")).error
    write = prompt.sections[2].buttons[0]
    reopened = await chat(BOB).click(write.action_id, write.value)
    assert reopened.form is not None and reopened.form.inputs[0].initial == "Pairing on the hard parts"
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Response))).all()
        campaign = await uow.session.get(Campaign, 1)
    bob = await member(db, BOB)
    assert len(rows) == 2 and all(row.member_id is None for row in rows)
    assert campaign is not None and bob.id is not None
    assert {row.respondent for row in rows} == {
        respondent_keys(campaign, rows[0].round_id, bob.id, TEST_SETTINGS.security)[0]}
    assert rows[0].respondent.startswith("anon:") and len(rows[0].respondent) == 69
    assert {row.scale for row in rows} == {5, None}
    assert {row.answered_at for row in rows} == {at("2026-03-10T09:00")}   # the round's time, not the click's
    async with db.uow() as uow:
        actions = (await uow.session.exec(select(ActivityEvent).where(ActivityEvent.member_id == bob.id,
                                                                      ActivityEvent.kind == "action"))).all()
    assert not actions                             # neither answering nor opening the form is recorded
    report = await ok(chat(ANA), "campaign report 1")
    assert "Bob" not in report.text and "Pairing" not in report.text
    assert "fewer than 3" in report.text and "Average" not in report.text     # one answer: no figure


async def test_a_double_click_is_stored_once(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    """A double click, or two devices: both clicks find no answer yet and both insert. One row is
    kept, holding one of the two values; neither click fails, and one says it updated the other."""
    prompt = await _prompted(chat, db, clock, messenger, services)
    clock.current = at("2026-03-10T11:17")
    three, four = prompt.sections[1].buttons[2], prompt.sections[1].buttons[3]
    for _ in range(3):
        replies = await asyncio.gather(*(chat(who).click(button.action_id, button.value)
                                         for who in (BOB, BOB, CARL) for button in (three, four)))
        assert not any(reply.error for reply in replies), [reply.text for reply in replies]
        assert sum("updated" in reply.text for reply in replies) >= 4
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Response))).all()
    assert len(rows) == 2 and {row.scale for row in rows} <= {3, 4}


async def test_anonymous_texts_are_shown_from_three_answers(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    prompt = await _prompted(chat, db, clock, messenger, services)
    for email, text in ((BOB, "Daily demos"), (CARL, "Clear owner"), (DEE, "Good docs")):
        assert not (await _write(chat, email, prompt, 2, text)).error
    report = await ok(chat(ANA), "campaign report 1")
    assert "Daily demos" in report.text and "Good docs" in report.text
    assert not any(name in report.text for name in ("Bob", "Carl", "Dee"))
    assert "Participation: 3 of 4 (75 %)" in report.text


async def test_bad_and_unauthorised_answers_are_refused(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    prompt = await _prompted(chat, db, clock, messenger, services, "weekly-learning", (BOB,))
    choice = prompt.sections[2].buttons[0]
    round_id, prompt_id, _ = choice.value.split(":")
    assert (await chat(BOB).click("campaign.answer", f"{round_id}:{prompt_id}:9")).error
    assert (await chat(BOB).click("campaign.answer", "x:y:z")).error
    assert "empty" in (await _write(chat, BOB, prompt, 1, "   ")).text
    assert "too long" in (await _write(chat, BOB, prompt, 1, "x" * 4001)).text
    stranger = await chat(CARL).click(choice.action_id, choice.value)
    assert stranger.error and "not sent to you" in stranger.text
    async with db.uow() as uow:
        assert not (await uow.session.exec(select(Response))).all()


async def test_closed_round_refuses_politely_and_the_form_too(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    prompt = await _prompted(chat, db, clock, messenger, services, "weekly-learning", (BOB,))
    await ok(chat(ANA), "campaign close 1")
    choice = prompt.sections[2].buttons[0]
    late = await chat(BOB).click(choice.action_id, choice.value)
    assert late.error and "no longer accepted" in late.text
    write = prompt.sections[1].buttons[0]
    assert "no longer accepted" in (await chat(BOB).click(write.action_id, write.value)).text
    late_fr = await chat(BOB, "fr").click(choice.action_id, choice.value)
    assert late_fr.error


async def test_public_holidays_and_away_members_are_skipped(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB, CARL))
    bob = await member(db, BOB)
    async with db.uow() as uow:                    # Bob is away; Carl (New York) works on 14 July
        uow.session.add(ExpertStatus(member_id=bob.id, away=True))
        await uow.commit()
    await create(chat, start="2026-07-13", recurrence="daily", count="2", skip_holidays="yes")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-07-14T18:00")        # Monday 13th and Tuesday 14th (Bastille Day) are due
    await tick(services)
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery.round_id, Delivery.target_id, Delivery.status)
                                       .where(Delivery.purpose == "prompt"))).all()
    ana, carl = await member(db, ANA), await member(db, CARL)
    names = {str(ana.id): "ana", str(bob.id): "bob", str(carl.id): "carl"}
    assert sorted((r, names[t], s) for r, t, s in rows) == [
        (1, "ana", "sent"), (1, "bob", "skipped"), (1, "carl", "sent"),   # Bob is away
        (2, "carl", "sent"),                                               # a holiday in France only
    ]
    assert len(inbox(messenger, CARL)) == 2 and not inbox(messenger, BOB)


async def test_a_text_answer_becomes_an_expert_question(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    from core.schema import Question

    prompt = await _prompted(chat, db, clock, messenger, services, "weekly-learning", (BOB,))
    saved = await _write(chat, BOB, prompt, 1, "How do I keep Kafka consumer lag under control?")
    assert [b.action_id for b in saved.buttons] == ["campaign.ask"]
    asked = await chat(BOB).click("campaign.ask", saved.buttons[0].value)
    assert not asked.error and "question #1" in asked.text
    again = await chat(BOB).click("campaign.ask", saved.buttons[0].value)
    assert again.error and "already question #1" in again.text
    async with db.uow() as uow:
        question = await uow.session.get(Question, 1)
        response = (await uow.session.exec(select(Response))).one()
    bob = await member(db, BOB)
    assert question is not None and question.asker_id == bob.id and "Kafka" in question.text
    assert response.question_id == 1
    from core.campaigns.summaries import export_rows

    async with db.uow() as uow:
        campaign = await uow.session.get(Campaign, 1)
        assert campaign is not None
        assert [row["respondent"] for row in await export_rows(uow, campaign, 3)] == ["Bob"]
    report = await ok(chat(ANA), "campaign report 1")
    assert "Kafka consumer lag" in report.text and "question to experts" in report.text


async def test_anonymous_answers_never_go_to_experts(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    prompt = await _prompted(chat, db, clock, messenger, services)
    saved = await _write(chat, BOB, prompt, 2, "A blocker I would rather keep anonymous")
    assert not saved.buttons
    value = prompt.sections[2].buttons[0].value
    refused = await chat(BOB).click("campaign.ask", value)
    assert refused.error and "anonymous" in refused.text


async def test_exports_of_anonymous_campaigns_name_nobody(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    from core.campaigns.summaries import EXPORT_COLUMNS, export_rows

    prompt = await _prompted(chat, db, clock, messenger, services)
    for email, text in ((BOB, "Zebra crossing"), (CARL, "Alpha release"), (DEE, "Mid-sprint demo")):
        assert not (await _write(chat, email, prompt, 2, text)).error
    async with db.uow() as uow:
        campaign = await uow.session.get(Campaign, 1)
        assert campaign is not None
        rows = await export_rows(uow, campaign, 3)
        withheld = await export_rows(uow, campaign, 4)
        campaign.anonymous = False
        named = await export_rows(uow, campaign, 3)
    assert [tuple(row) for row in rows] == [EXPORT_COLUMNS] * 3
    # not the order they came in
    assert [row["answer"] for row in rows] == ["Alpha release", "Mid-sprint demo", "Zebra crossing"]
    assert {row["respondent"] for row in rows} == {""}
    assert [row["answer"] for row in withheld] == ["(fewer than 4 answers)"]   # under the minimum: a note
    assert {row["respondent"] for row in named} == {""}   # stored without a member: nothing to reveal


async def test_an_answer_click_is_one_read_and_one_write(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    """A click reads its round, prompt, campaign and the member's delivery in one statement, then
    stores the answer in one more, whether it is the first or an edit: no earlier answer is read
    first, and the "answered after skipping" update runs only for a member who skipped."""
    prompt = await _prompted(chat, db, clock, messenger, services, "weekly-learning", (BOB,))
    first, second = prompt.sections[2].buttons[:2]
    clicks = []
    for button in (first, second):
        with counting(db) as seen:
            reply = await chat(BOB).click(button.action_id, button.value)
        clicks.append((reply, [" ".join(s.split()).lower() for s in seen]))
    (saved, seen_first), (edited, seen_again) = clicks
    assert "saved" in saved.text and "updated" in edited.text
    for seen in (seen_first, seen_again):
        assert [s.split(" ")[0] for s in seen if "delivery" in s] == ["select"]     # with the round
        on_answers = [s for s in seen if re.search(r"\b(from|into|update) response\b", s)]
        assert [s.split(" ")[0] for s in on_answers] == ["insert"]                   # insert or edit
    async with db.uow() as uow:
        (row,) = (await uow.session.exec(select(Response))).all()
    assert row.choice == second.label
