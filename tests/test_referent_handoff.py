"""Referent hand-off (issue 19, part 2), through the real router and database with a fake clock: the
next referent after a pass, then the fallback contacts of ``[experts] fallback``, never someone away;
an answer typed while the time ran out is kept; the asker is told what really happened; a question
nobody could take stays in ``question list``."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from core.experts.routing import expire_due_questions
from core.markup import plain
from core.ports import FakeClock, FakeMessenger
from core.runtime.db import Database
from core.services import Services
from core.settings import ExpertSettings
from tests.expert_support import directs, import_demo, question_row, routes

ASKER = "emily.jones@aurora.example"
LUCAS, SARAH, AMELIA, ISABELLE = ("lucas.bernard@aurora.example", "sarah.lambert@aurora.example",
                                  "amelia.brown@aurora.example", "isabelle.tremblay@aurora.example")
OLIVIA = "olivia.davis@aurora.example"
GEORGE = "george.taylor@aurora.example"
NO_SKILL = "ask Who can explain quantum chromodynamics lattice methods?"
LABOUR_LAW = "ask How should labour law apply to overtime?"
FOUR_HOURS = timedelta(hours=4)


@pytest.fixture
async def demo(db: Database, clock: FakeClock) -> dict[str, int]:
    return await import_demo(db, clock)


def fallback(services: Services, *emails: str) -> None:
    services.settings = replace(services.settings, experts=ExpertSettings(fallback=emails))


def updates(messenger: FakeMessenger, user_id: str) -> list[str]:
    return [plain(reply.text) for kind, ref, reply in messenger.sent
            if kind == "update" and getattr(ref, "conversation", None) == user_id]


async def away(chat, *emails: str) -> None:  # type: ignore[no-untyped-def]
    for email in emails:
        reply = await chat(email, "en").say("expert away")
        assert not reply.error, reply.text


async def test_a_referent_who_passes_hands_over_to_the_next_then_to_the_fallback(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, services: Services, messenger: FakeMessenger) -> None:
    fallback(services, "Nobody@Aurora.example", OLIVIA.upper(), GEORGE)
    await away(chat, AMELIA, ISABELLE, GEORGE)
    await chat(ASKER, "en").say(NO_SKILL)
    assert (await question_row(db)).assignee_id == demo[LUCAS]
    assert not (await chat(LUCAS, "en").click("question.pass", "1")).error
    assert (await question_row(db)).assignee_id == demo[SARAH], "the next referent"
    assert not (await chat(SARAH, "en").click("question.pass", "1")).error
    row = await question_row(db)
    assert row.assignee_id == demo[OLIVIA] and row.status == "escalated", "away referents are skipped"
    card = directs(messenger, OLIVIA)[-1]
    assert [b.action_id for b in card.buttons] == ["question.answer", "question.pass"]
    assert "chosen by the administrators" in plain(card.text), card.text
    told = plain(directs(messenger, ASKER)[-1].text)
    assert "Olivia Davis" in told and "chosen by the administrators" in told, told
    last = await chat(OLIVIA, "en").click("question.pass", "1")
    assert not last.error and "Nobody else can take it" in last.text
    assert await routes(db) == [(demo[LUCAS], "passed"), (demo[SARAH], "passed"), (demo[OLIVIA], "passed")]
    told = plain(directs(messenger, ASKER)[-1].text)
    assert "nobody could answer" in told and "away" in told and "there is no referent" not in told, told
    listed = plain((await chat(ASKER, "en").say("question list")).text)
    assert "#1 [unassigned" in listed, listed
    assert not (await chat(ASKER, "en").say("question close 1")).error
    assert "#1" not in plain((await chat(ASKER, "en").say("question list")).text), "closed: off the list"


async def test_an_away_referent_gets_no_escalation_while_another_is_available(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, messenger: FakeMessenger) -> None:
    await away(chat, LUCAS)
    reply = await chat(ASKER, "en").say(NO_SKILL)
    assert (await question_row(db)).assignee_id == demo[SARAH] and "Sarah Lambert" in reply.text
    assert not directs(messenger, LUCAS)


async def test_nobody_at_all_says_why_and_stays_listed(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, messenger: FakeMessenger) -> None:
    await away(chat, LUCAS, SARAH, AMELIA, ISABELLE)
    reply = plain((await chat(ASKER, "en").say(NO_SKILL)).text)
    assert "away" in reply and "there is no referent" not in reply, reply
    assert (await question_row(db)).status == "expired"
    listed = plain((await chat(ASKER, "en").say("question list")).text)
    assert "#1 [unassigned" in listed, listed
    french = plain((await chat(ASKER, "fr").say("question list")).text)
    assert "n° 1 [sans preneur" in french, french


async def test_the_asker_is_told_the_referent_was_already_asked_as_an_expert(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, messenger: FakeMessenger) -> None:
    await away(chat, LUCAS, SARAH, AMELIA)
    await chat(ASKER, "en").say(LABOUR_LAW)
    assert (await question_row(db)).assignee_id == demo[ISABELLE], "the referent, asked as an expert"
    assert not (await chat(ISABELLE, "en").click("question.pass", "1")).error
    told = plain(directs(messenger, ASKER)[-1].text)
    assert "there is no referent" not in told, told
    assert "already" in told and "away" in told, told


async def test_a_late_answer_is_kept_and_the_next_holder_is_told(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, services: Services, messenger: FakeMessenger) -> None:
    await chat(ASKER, "en").say(NO_SKILL)
    form = await chat(LUCAS, "en").click("question.answer", "1")
    assert form.form is not None
    clock.advance(FOUR_HOURS + timedelta(minutes=1))
    assert await expire_due_questions(services) == 1
    assert (await question_row(db)).assignee_id == demo[SARAH]
    sent = await chat(LUCAS, "en").click("question.submit", "1", answer="Ask the physics lab.")
    assert not sent.error and "on its way" in sent.text, sent.text
    row = await question_row(db)
    assert row.status == "answered" and row.assignee_id == demo[LUCAS] and row.deadline_at is None
    assert "Ask the physics lab." in plain(directs(messenger, ASKER)[-1].text)
    assert any("Lucas Bernard" in text and "n° 1" in text for text in updates(messenger, SARAH)), \
        updates(messenger, SARAH)
    again = await chat(SARAH, "en").click("question.answer", "1")
    assert again.error and "already answered" in again.text
    assert await routes(db) == [(demo[LUCAS], "answered"), (demo[SARAH], "superseded")]
    clock.advance(FOUR_HOURS * 2)
    assert await expire_due_questions(services) == 0


async def test_a_late_answer_after_nobody_was_left_is_kept(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, services: Services, messenger: FakeMessenger) -> None:
    await away(chat, SARAH, AMELIA, ISABELLE)
    await chat(ASKER, "en").say(NO_SKILL)
    clock.advance(FOUR_HOURS + timedelta(minutes=1))
    assert await expire_due_questions(services) == 1
    assert (await question_row(db)).status == "expired"
    assert (await chat(LUCAS, "en").click("question.pass", "1")).error, "passing late changes nothing"
    sent = await chat(LUCAS, "en").click("question.submit", "1", answer="Ask the physics lab.")
    assert not sent.error, sent.text
    assert (await question_row(db)).status == "answered"
    assert "Ask the physics lab." in plain(directs(messenger, ASKER)[-1].text)
    other = await chat(SARAH, "en").click("question.submit", "1", answer="me too")
    assert other.error and "already answered" in other.text
