"""Asking, routing, passing, timing out, escalating and answering, from the console chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core.experts import questions
from core.experts.routing import deliver, expire_due_questions
from core.ports import FakeClock, FakeMessenger
from core.runtime.db import Database
from core.schema import Answer, MemberRole, Question
from core.services import Services
from tests.expert_support import directs, import_demo, names_in, question_row, routes

ASKER = "emily.jones@aurora.example"
HUGO, DANIEL, ANA, LUCAS = ("hugo.lefebvre@aurora.example", "daniel.lee@aurora.example",
                            "ana.martin@aurora.example", "lucas.bernard@aurora.example")
TIMEOUT = timedelta(minutes=241)


@pytest.fixture
async def demo(db: Database, clock: FakeClock) -> dict[str, int]:
    return await import_demo(db, clock)


def buttons(reply) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.action_id for b in reply.buttons]


async def test_the_console_scenario(chat, demo, messenger: FakeMessenger, clock: FakeClock,  # type: ignore[no-untyped-def]
                                    services: Services, db: Database) -> None:
    asker = chat(ASKER)
    for topic, expected in (("kubernetis", "Lucas Bernard"), ("k8s", "Sarah Lambert"),
                            ("apprentissage automatique", "Chloé Petit")):
        reply = await asker.say(f"expert find {topic}")
        assert expected in names_in(reply), (topic, reply.text)

    reply = await asker.say("ask How do I deploy a Python service on Kubernetes?")
    assert "Hugo Lefebvre" in reply.text and "#1" in reply.text, reply.text
    card = directs(messenger, HUGO)[-1]
    assert "deploy a Python service" in card.text and buttons(card) == ["question.answer", "question.pass"]

    reply = await chat(HUGO, "en").click("question.pass", "1")
    assert not reply.error and "passed" in reply.text
    assert directs(messenger, DANIEL), "Pass moves it on to the next expert"

    clock.advance(TIMEOUT)
    assert await expire_due_questions(services) == 1
    assert directs(messenger, ANA), "the timeout moves it on again"
    assert await expire_due_questions(services) == 0, "idempotent: nothing else is due"

    clock.advance(TIMEOUT)
    assert await expire_due_questions(services) == 1
    escalated = await question_row(db)
    assert escalated.status == "escalated" and escalated.assignee_id == demo[LUCAS] and escalated.hops == 3
    referent_card = directs(messenger, LUCAS)[-1]
    assert buttons(referent_card) == ["question.answer", "question.pass"], "a referent may pass too"
    # Lucas reads French
    assert "après que 3 experts n’ont pas pu répondre" in referent_card.text
    assert "sous 4 h" in referent_card.text
    assert escalated.deadline_at == clock.now() + timedelta(hours=4), "a referent has a deadline too"
    assert "referent" in directs(messenger, ASKER)[-1].text, "the asker is told"
    assert await routes(db) == [(demo[HUGO], "passed"), (demo[DANIEL], "timed_out"), (demo[ANA], "timed_out"),
                                (demo[LUCAS], None)]

    lucas = chat(LUCAS, "en")
    form = (await lucas.click("question.answer", "1")).form
    assert form is not None and form.action_id == "question.submit" and form.value == "1"
    reply = await lucas.click("question.submit", "1", answer="Use a Deployment and a Helm chart.")
    assert "Emily Jones" in reply.text
    answer = directs(messenger, ASKER)[-1]
    assert "Helm chart" in answer.text and buttons(answer) == ["question.helpful", "question.helpful"]
    updates = [r for kind, _, r in messenger.sent if kind == "update"]
    assert any("Helm chart" in r.text for r in updates), "the referent's card shows the answer"

    reply = await asker.click("question.helpful", "1:yes")
    assert not reply.error
    assert (await question_row(db)).reusable

    other = await chat(HUGO, "en").say("ask deploying python on kubernetes, how?")
    assert [b.action_id for b in other.buttons] == ["question.ask"] and "Helm chart" in other.text
    assert (await question_row(db, 2)).status == "open"
    assert [b.action_id for s in other.sections for b in s.buttons] == ["question.reuse"]
    routed = await chat(HUGO, "en").click("question.ask", "2")
    assert not routed.error and (await question_row(db, 2)).status == "routed"
    assert (await question_row(db)).escalated_at is not None, "escalation stays on record once answered"

    third = await chat(DANIEL, "en").say("ask deploying python on kubernetes, how?")
    (reuse,) = [b for s in third.sections for b in s.buttons]
    assert (await chat(HUGO, "en").click(reuse.action_id, reuse.value)).error, "only its asker may"
    taken = await chat(DANIEL, "en").click(reuse.action_id, reuse.value)
    assert not taken.error and "No expert was asked" in taken.text
    row = await question_row(db, 3)
    assert (row.status, row.reused_from) == ("closed", 1)
    again = await chat(DANIEL, "en").click(reuse.action_id, reuse.value)
    assert again.error, "a question taken from a past answer is not taken twice"


async def question_count(db: Database) -> int:
    async with db.uow() as uow:
        return len((await uow.session.exec(select(Question.id))).all())


async def test_question_length_is_checked(chat, demo, db: Database,  # type: ignore[no-untyped-def]
                                          messenger: FakeMessenger) -> None:
    me = chat(ASKER)
    short = await me.say("ask ?")
    assert short.error and "too short" in short.text
    one = await me.say("ask a")
    assert one.error and "too short" in one.text
    long = await me.say("ask " + "w" * 20_000)  # refused by the router's limit on any text
    assert long.error and "too long" in long.text
    over = await me.say("ask " + "x" * 3600)
    assert over.error and "too long (3600 characters; at most 3500)" in over.text
    words = await me.say("ask " + "why " * 5000)
    assert words.error and "too long" in words.text
    fr = await chat("chloe.petit@aurora.example", "fr").say("ask a")
    assert fr.error and "trop courte" in fr.text
    assert await question_count(db) == 0 and await routes(db) == [], "nothing saved, nobody messaged"
    assert not [kind for kind, _, _ in messenger.sent if kind == "direct"]


async def test_no_expert_goes_to_a_referent_or_the_asker_is_told(chat, demo, db: Database,  # type: ignore[no-untyped-def]
                                                                 messenger: FakeMessenger) -> None:
    reply = await chat(ASKER).say("ask Who can explain quantum chromodynamics lattice methods?")
    assert "referent" in reply.text and (await question_row(db)).status == "escalated"
    assert directs(messenger, LUCAS), "the first referent gets it"
    async with db.uow() as uow:
        for row in (await uow.session.exec(select(MemberRole).where(MemberRole.role == "referent"))).all():
            await uow.session.delete(row)
        await uow.commit()
    reply = await chat(ASKER).say("ask Who can explain quantum chromodynamics lattice methods again?")
    assert "Nobody can answer" in reply.text and not reply.error
    row = await question_row(db, 2)
    assert row.status == "expired" and row.assignee_id is None and row.closed_at is not None


async def test_answering_twice_or_someone_elses_question(chat, demo, db: Database) -> None:  # type: ignore[no-untyped-def]
    await chat(ASKER).say("ask How do I deploy a Python service on Kubernetes?")
    stranger = await chat(ANA, "en").click("question.submit", "1", answer="me!")
    assert stranger.error and "not routed to you" in stranger.text
    assert (await chat(ANA, "en").click("question.pass", "1")).error, "nor pass it"
    assert (await question_row(db)).assignee_id == demo[HUGO] and await routes(db) == [(demo[HUGO], None)]
    hugo = chat(HUGO, "en")
    empty = await hugo.click("question.submit", "1", answer="   ")
    assert empty.error and "empty" in empty.text
    huge = await hugo.click("question.submit", "1", answer="x" * 20_000)
    assert huge.error and "too long" in huge.text
    assert not (await hugo.click("question.submit", "1", answer="kubectl apply")).error
    again = await hugo.click("question.submit", "1", answer="kubectl apply again")
    assert again.error and "already answered" in again.text
    late_pass = await hugo.click("question.pass", "1")
    assert late_pass.error
    async with db.uow() as uow:
        assert [(a.author_id, a.text) for a in (await uow.session.exec(select(Answer))).all()] == [
            (demo[HUGO], "kubectl apply")]
    assert (await question_row(db)).status == "answered" and await routes(db) == [(demo[HUGO], "answered")]
    missing = await hugo.click("question.answer", "99")
    assert missing.error and "no question #99" in missing.text
    bad = await chat(ASKER).say("question close abc")
    assert bad.error and "not a question number" in bad.text


async def test_passing_after_the_deadline(chat, demo, db: Database, clock: FakeClock,  # type: ignore[no-untyped-def]
                                          services: Services) -> None:
    await chat(ASKER).say("ask How do I deploy a Python service on Kubernetes?")
    clock.advance(TIMEOUT)
    reply = await chat(HUGO, "en").click("question.pass", "1")
    assert not reply.error and "already run out" in reply.text
    assert await routes(db) == [(demo[HUGO], "timed_out"), (demo[DANIEL], None)]
    assert await expire_due_questions(services) == 0
    clock.advance(TIMEOUT)
    assert await expire_due_questions(services) == 1
    too_late = await chat(DANIEL, "en").click("question.pass", "1")
    assert too_late.error and "Too late" in too_late.text
    row = await question_row(db)
    assert row.hops == 2 and row.status == "routed" and row.assignee_id not in (demo[HUGO], demo[DANIEL])
    assert await routes(db) == [(demo[HUGO], "timed_out"), (demo[DANIEL], "timed_out"),
                                (row.assignee_id, None)]
    # an answer written while the time ran out still counts, as nobody answered first (issue 19)
    late_answer = await chat(DANIEL, "en").click("question.submit", "1", answer="kubectl apply")
    assert not late_answer.error, late_answer.text
    assert (await question_row(db)).status == "answered"
    assert await routes(db) == [(demo[HUGO], "timed_out"), (demo[DANIEL], "answered"),
                                (row.assignee_id, "superseded")]
    async with db.uow() as uow:
        assert [a.text for a in (await uow.session.exec(select(Answer))).all()] == ["kubectl apply"]


async def test_away_experts_are_skipped_and_load_spreads(chat, demo, db: Database) -> None:  # type: ignore[no-untyped-def]
    assert "away" in (await chat(HUGO, "en").say("expert away")).text
    await chat(ASKER).say("ask How do I deploy a Python service on Kubernetes?")
    assert (await question_row(db)).assignee_id == demo[DANIEL]
    await chat(ASKER).say("ask Best way to run Python jobs on Kubernetes clusters?")
    second = await question_row(db, 2)
    assert second.assignee_id not in (demo[DANIEL], demo[HUGO]), "fewest open questions first"


async def test_question_list_and_close(chat, demo, db: Database) -> None:  # type: ignore[no-untyped-def]
    await chat(ASKER).say("ask How do I deploy a Python service on Kubernetes?")
    mine = await chat(ASKER).say("question list")
    assert "#1" in mine.text and "with an expert" in mine.text
    assert "Waiting for your answer" in (await chat(HUGO, "en").say("question list")).text
    await chat(ASKER).say("ask Who can explain quantum chromodynamics lattice methods?")
    referent = await chat(LUCAS, "en").say("question list")
    assert "#2" in referent.text
    assert "Escalated" in (await chat("sarah.lambert@aurora.example", "en").say("question list")).text
    refused = await chat(HUGO, "en").say("question close 1")
    assert refused.error and "Only the person" in refused.text
    assert "closed" in (await chat(ASKER).say("question close 1")).text
    assert (await chat(ASKER).say("question close 1")).error
    row = await question_row(db)
    assert row.status == "closed" and row.deadline_at is None
    assert "No open question" in (await chat("george.taylor@aurora.example").say("question list")).text


@pytest.mark.parametrize(("question", "skill"), [
    ("Que dit le droit du travail sur les heures supplémentaires ?", "employment law"),
    ("Qui peut m'aider sur la gestion de projet de la migration ?", "project management"),
    ("Is there a labour law rule about overtime?", "employment law"),
])
async def test_a_french_phrase_with_short_words_inside_names_its_skill(
        chat, db: Database, question: str, skill: str) -> None:  # type: ignore[no-untyped-def]
    """'du', 'de' are dropped from a question's words, but not from inside the phrase that names a skill."""
    assert not (await chat("lea@example.com").say("expert add droit du travail, gestion de projet")).error
    asked = await chat("ana@example.com").say(f"ask {question}")
    assert not asked.error, asked.text
    async with db.uow() as uow:
        (row,) = (await uow.session.exec(select(Question))).all()
    assert skill in row.skills


async def test_the_services_run_in_the_callers_transaction_and_send_nothing_themselves(
        demo, db: Database, clock: FakeClock, messenger: FakeMessenger,  # type: ignore[no-untyped-def]
        services: Services) -> None:
    """A service takes the unit of work and plain values, and returns what must be told: a rolled-back
    transaction tells nobody, and the caller sends the notices once it has committed."""
    text = "How do I deploy a Python service on Kubernetes?"
    policy = services.settings.experts
    async with db.uow() as uow:  # left without commit: rolled back
        question = await questions.create(uow, db, demo[ASKER], text, clock.now())
        routed = await questions.route(uow, question, clock.now(), policy)
        assert routed.result == "routed" and routed.notices
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Question))).all() == []
    assert messenger.sent == []

    async with db.uow() as uow:
        question = await questions.create(uow, db, demo[ASKER], text, clock.now())
        routed = await questions.route(uow, question, clock.now(), policy)
        await uow.commit()
    assert messenger.sent == [], "nothing goes out before the caller delivers"
    await deliver(services, routed.notices)
    assert "deploy a Python service" in directs(messenger, HUGO)[-1].text

    async with db.uow() as uow:
        question = await questions.locked(uow, str(question.id))
        notices = await questions.answer(uow, question, demo[HUGO], "Use a Deployment.", clock.now())
        await uow.commit()
    assert not directs(messenger, ASKER)
    await deliver(services, notices)
    assert "Use a Deployment." in directs(messenger, ASKER)[-1].text
    assert [kind for kind, _, _ in messenger.sent].count("update") == 1, "the expert's card says answered"
