"""Routing beyond the happy path, through the real router and database with a fake clock: deadlines
in working hours, the chain of referents, closing a held question, unreachable experts, restarts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import col, delete, select

from core.capabilities import build_registry
from core.delivery.dispatcher import Dispatcher
from core.errors import DeliveryError
from core.experts.routing import expire_due_questions
from core.markup import plain
from core.ports import FakeClock, FakeMessenger
from core.runtime.db import Database
from core.runtime.scheduler import Worker
from core.schema import Delivery, ExpertSkill, Identity
from core.services import Services
from core.settings import ExpertSettings
from tests.conftest import give_role
from tests.expert_support import directs, import_demo, names_in, question_row, routes

ASKER = "emily.jones@aurora.example"  # Europe/London
HUGO = "hugo.lefebvre@aurora.example"  # Europe/Paris
DANIEL = "daniel.lee@aurora.example"  # America/Los_Angeles
LUCAS, SARAH, AMELIA, ISABELLE = ("lucas.bernard@aurora.example", "sarah.lambert@aurora.example",
                                  "amelia.brown@aurora.example", "isabelle.tremblay@aurora.example")
OLIVIA = "olivia.davis@aurora.example"
KUBERNETES = "ask How do I deploy a Python service on Kubernetes?"
NO_SKILL = "ask Who can explain quantum chromodynamics lattice methods?"
FOUR_HOURS = timedelta(hours=4)


@pytest.fixture
async def demo(db: Database, clock: FakeClock) -> dict[str, int]:
    return await import_demo(db, clock)


async def forget_identities(db: Database, *member_ids: int) -> None:
    """Make members as if imported from the directory and never seen on any platform."""
    async with db.uow() as uow:
        await uow.session.exec(delete(Identity).where(col(Identity.member_id).in_(member_ids)))  # type: ignore[call-overload]
        await uow.commit()


def updates(messenger: FakeMessenger, user_id: str) -> list[str]:
    """The texts cards of ``user_id`` were updated to."""
    return [reply.text for kind, ref, reply in messenger.sent
            if kind == "update" and getattr(ref, "conversation", None) == user_id]


# -- working hours ----------------------------------------------------------------------------------


async def test_the_deadline_counts_the_expert_s_working_hours_in_their_zone(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, services: Services, messenger: FakeMessenger) -> None:
    services.settings = replace(services.settings, experts=ExpertSettings(working_hours=(time(9), time(18))))
    clock.current = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)  # Friday 17:00 in Paris
    reply = await chat(ASKER).say(KUBERNETES)
    row = await question_row(db)
    assert row.assignee_id == demo[HUGO]
    assert row.deadline_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC), "Monday 12:00 in Paris"
    assert "March 9, 2026, 11:00\u202fAM" in reply.text, "the asker's own time, in their language"
    assert "Europe/London" in reply.text
    card = directs(messenger, HUGO)[-1]
    assert "9 mars 2026, 12:00 (Europe/Paris)" in card.text and "heures de travail" in card.text, card.text

    clock.current = datetime(2026, 3, 9, 10, 59, tzinfo=UTC)  # the weekend went by: not late yet
    assert await expire_due_questions(services) == 0
    clock.current = datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert await expire_due_questions(services) == 1
    moved = await question_row(db)
    # Monday 04:00 in Los Angeles (summer time since Sunday): 4 hours from 09:00 is 13:00 PDT
    assert moved.assignee_id == demo[DANIEL] and moved.deadline_at == datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    assert "March 9, 2026, 1:00\u202fPM (America/Los_Angeles)" in plain(directs(messenger, DANIEL)[-1].text)


async def test_without_working_hours_every_hour_counts(chat, demo, db: Database,  # type: ignore[no-untyped-def]
                                                       clock: FakeClock, messenger: FakeMessenger) -> None:
    clock.current = datetime(2026, 3, 6, 16, 0, tzinfo=UTC)
    reply = await chat(ASKER).say(KUBERNETES)
    assert (await question_row(db)).deadline_at == clock.now() + FOUR_HOURS
    assert "within 4 h," in reply.text and "sous 4 h" in directs(messenger, HUGO)[-1].text


# -- referents --------------------------------------------------------------------------------------


async def test_referents_pass_or_time_out_to_the_next_then_the_asker_is_told(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, services: Services, messenger: FakeMessenger) -> None:
    reply = await chat(ASKER).say(NO_SKILL)
    assert "Lucas Bernard" in reply.text and (await question_row(db)).status == "escalated"
    card = directs(messenger, LUCAS)[-1]
    assert [b.action_id for b in card.buttons] == ["question.answer", "question.pass"]
    assert "aucun expert disponible" in card.text and "sous 4 h" in card.text, card.text
    assert (await question_row(db)).deadline_at == clock.now() + FOUR_HOURS

    passed = await chat(LUCAS, "en").click("question.pass", "1")
    assert not passed.error and "passed" in passed.text
    assert (await question_row(db)).assignee_id == demo[SARAH]
    assert "another referent" in directs(messenger, SARAH)[-1].text or "autre référent" in directs(
        messenger, SARAH)[-1].text
    assert "Sarah Lambert, another referent" in directs(messenger, ASKER)[-1].text

    clock.advance(FOUR_HOURS + timedelta(minutes=1))
    assert await expire_due_questions(services) == 1, "a referent's deadline is enforced too"
    assert (await question_row(db)).assignee_id == demo[AMELIA]
    assert any("délai" in text for text in updates(messenger, SARAH)), "Sarah's card says time ran out"

    assert not (await chat(AMELIA, "en").click("question.pass", "1")).error
    assert (await question_row(db)).assignee_id == demo[ISABELLE]
    last = await chat(ISABELLE, "en").click("question.pass", "1")
    assert not last.error and "Nobody else can take it" in last.text
    row = await question_row(db)
    assert row.status == "expired" and row.assignee_id is None and row.deadline_at is None and row.closed_at
    told = directs(messenger, ASKER)[-1].text
    assert "nobody could answer" in told and "the referents" in told
    assert any("stays unanswered" in text or "sans réponse" in text for text in updates(messenger, ISABELLE))
    assert await routes(db) == [(demo[LUCAS], "passed"), (demo[SARAH], "timed_out"),
                                (demo[AMELIA], "passed"), (demo[ISABELLE], "passed")]
    again = await chat(LUCAS, "en").click("question.answer", "1")
    assert again.error and "no longer open" in again.text
    assert await expire_due_questions(services) == 0


async def test_after_the_experts_referents_of_the_topic_come_first(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, services: Services, messenger: FakeMessenger) -> None:
    declared = await chat(SARAH, "en").say("expert add kubernetes")
    assert "referent" in declared.text, "a referent's expert add makes them referent for the skill"
    services.settings = replace(services.settings, experts=ExpertSettings(max_hops=1))
    await chat(ASKER).say(KUBERNETES)
    assert not (await chat(HUGO, "en").click("question.pass", "1")).error
    # the kubernetes referents first: Lucas and Amelia by the directory import (referents holding
    # kubernetes on their row), Sarah by her expert add; by member id
    for referent in (LUCAS, SARAH, AMELIA):
        assert (await question_row(db)).assignee_id == demo[referent], "the kubernetes referents first"
        assert not (await chat(referent, "en").click("question.pass", "1")).error
    assert (await question_row(db)).assignee_id == demo[ISABELLE], "then any referent, never an expert again"
    answered = await chat(ISABELLE, "en").click("question.submit", "1", answer="Use a Deployment.")
    assert not answered.error and (await question_row(db)).status == "answered"
    assert "Use a Deployment" in directs(messenger, ASKER)[-1].text
    assert await routes(db) == [(demo[HUGO], "passed"), (demo[LUCAS], "passed"), (demo[SARAH], "passed"),
                                (demo[AMELIA], "passed"), (demo[ISABELLE], "answered")]


async def test_a_referent_lists_the_escalated_questions_of_their_skills(  # type: ignore[no-untyped-def]
        chat, demo, db: Database) -> None:
    await chat(SARAH, "en").say("expert add kubernetes")
    await chat(ASKER).say("ask How should labour law apply to overtime?")
    first = await question_row(db)
    assert first.skills == ["employment law"] and first.assignee_id == demo[ISABELLE], first
    assert not (await chat(ISABELLE, "en").click("question.pass", "1")).error
    escalated = await question_row(db)
    assert escalated.status == "escalated" and escalated.assignee_id == demo[LUCAS], "any referent"
    await chat(ASKER).say(NO_SKILL)  # question 2, no skill: to a referent as well
    sarah = await chat(SARAH, "en").say("question list")
    assert "Escalated to referents:" in sarah.text and "#2" in sarah.text, sarah.text
    assert "#1" not in sarah.text, "employment law is not one of Sarah's referent skills"
    amelia = await chat(AMELIA, "en").say("question list")
    assert "#2" in amelia.text and "#1" not in amelia.text, "imported referent of kubernetes, ML…"
    await give_role(db, OLIVIA, "referent")  # after the import: a referent of no skill in particular
    olivia = await chat(OLIVIA, "en").say("question list")
    assert "#1" in olivia.text and "#2" in olivia.text, "a referent of no skill in particular sees all"
    lucas = await chat(LUCAS, "en").say("question list")
    assert "Waiting for your answer:" in lucas.text and "#1" in lucas.text and "#2" in lucas.text
    admin = await chat("camille.durand@aurora.example", "en").say("question list")
    assert "#1" in admin.text and "#2" in admin.text, "an admin sees every escalated question"
    member = await chat("george.taylor@aurora.example", "en").say("question list")
    assert "Escalated" not in member.text


# -- closing ------------------------------------------------------------------------------------------


async def test_closing_updates_the_holder_s_card_and_disables_its_buttons(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, services: Services, messenger: FakeMessenger) -> None:
    await chat(ASKER).say(KUBERNETES)
    assert (await chat(ASKER).say("question close 1")).text == "Question #1 is closed."
    closed = updates(messenger, HUGO)
    assert len(closed) == 1 and "Emily Jones a clos la question n° 1" in closed[0], closed
    hugo = chat(HUGO, "en")
    for action in ("question.answer", "question.pass"):
        reply = await hugo.click(action, "1")
        assert reply.error and "was closed before your answer" in reply.text, reply.text
    submitted = await hugo.click("question.submit", "1", answer="too late")
    assert submitted.error and "was closed before your answer" in submitted.text
    other = await chat(DANIEL, "en").click("question.answer", "1")
    assert other.error and "already answered or closed" in other.text
    assert await routes(db) == [(demo[HUGO], "closed")]
    row = await question_row(db)
    assert row.status == "closed" and row.deadline_at is None and row.closed_at == clock.now()
    clock.advance(FOUR_HOURS * 2)
    assert await expire_due_questions(services) == 0


async def test_closing_an_escalated_question_tells_the_referent(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, messenger: FakeMessenger) -> None:
    await chat(ASKER).say(NO_SKILL)
    await chat(ASKER).say("question close 1")
    assert any("a clos la question n° 1" in text for text in updates(messenger, LUCAS))
    assert await routes(db) == [(demo[LUCAS], "closed")]
    assert (await chat(LUCAS, "en").click("question.pass", "1")).error


async def test_closing_an_answered_question_touches_no_card(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, messenger: FakeMessenger) -> None:
    await chat(ASKER).say(KUBERNETES)
    await chat(HUGO, "en").click("question.submit", "1", answer="kubectl apply")
    before = len(updates(messenger, HUGO))
    assert not (await chat(ASKER).say("question close 1")).error
    assert len(updates(messenger, HUGO)) == before and await routes(db) == [(demo[HUGO], "answered")]


# -- unreachable experts ------------------------------------------------------------------------------


async def test_experts_who_cannot_be_messaged_are_skipped(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, messenger: FakeMessenger) -> None:
    await forget_identities(db, demo[HUGO])
    found = await chat(ASKER).say("expert find k8s")
    assert "Hugo Lefebvre" in names_in(found), "the directory still lists them"
    reply = await chat(ASKER).say(KUBERNETES)
    row = await question_row(db)
    assert row.assignee_id == demo[DANIEL] and "Daniel Lee" in reply.text
    assert await routes(db) == [(demo[DANIEL], None)], "no turn was given to the unreachable expert"
    assert directs(messenger, DANIEL)


async def test_when_no_expert_can_be_messaged_a_reachable_referent_gets_it(  # type: ignore[no-untyped-def]
        chat, demo, db: Database) -> None:
    """Every better-ranked expert is unreachable: the one reachable expert gets it; when nobody can be
    messaged, neither expert nor referent, the question expires."""
    async with db.uow() as uow:
        holders = set((await uow.session.exec(select(ExpertSkill.member_id))).all())
    asker = demo[ASKER]
    await forget_identities(db, *(m for m in holders if m not in (asker, demo[SARAH])))
    reply = await chat(ASKER).say(KUBERNETES)
    row = await question_row(db)
    assert row.status == "routed" and row.assignee_id == demo[SARAH], "the only reachable expert"
    assert "Sarah Lambert" in reply.text
    await forget_identities(db, demo[SARAH])
    reply = await chat(ASKER).say(NO_SKILL)
    second = await question_row(db, 2)
    assert second.status == "expired" and "Nobody can answer" in reply.text, "no referent reachable"
    assert await routes(db, 2) == []


# -- restarts -----------------------------------------------------------------------------------------


async def eventually(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Let the freshly started scheduler run its first round (the clock is not involved)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_deadline_that_passed_while_down_is_enforced_at_the_next_start(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, database_url: str) -> None:
    await chat(ASKER).say(KUBERNETES)
    assert (await question_row(db)).assignee_id == demo[HUGO]
    await db.dispose()  # the process stops; nothing but the database remembers the deadline

    later = FakeClock(clock.now() + FOUR_HOURS + timedelta(hours=3))
    restarted_db = Database(database_url)
    messenger = FakeMessenger(platform="console")
    registry = build_registry()
    services = Services(db=restarted_db, renderers=registry, clock=later, messengers={"console": messenger})
    worker = Worker(services, registry, jobs={"experts.deadlines": registry.jobs["experts.deadlines"]},
                    hooks={},
                    dispatch=False, schedules=False)
    await worker.start()
    try:
        async def moved() -> bool:
            return (await question_row(restarted_db)).assignee_id == demo[DANIEL]

        await eventually(moved)
    finally:
        await worker.stop()
    assert await routes(restarted_db) == [(demo[HUGO], "timed_out"), (demo[DANIEL], None)]
    assert directs(messenger, DANIEL), "the next expert got the card from the restarted process"
    assert (await question_row(restarted_db)).deadline_at == later.now() + FOUR_HOURS
    await restarted_db.dispose()


# -- through the outbox ------------------------------------------------------------------------------


class DownFor(FakeMessenger):
    """Refuses every message to ``user_id`` (their platform is down) until ``up`` is set."""

    def __init__(self, user_id: str) -> None:
        super().__init__(platform="console")
        self.user_id, self.up = user_id, False

    async def send_direct(self, to, reply, progress=None):  # type: ignore[no-untyped-def]
        if to.user_id == self.user_id and not self.up:
            raise DeliveryError("503 from the platform")
        return await super().send_direct(to, reply, progress)


async def test_a_card_that_could_not_go_in_time_is_never_sent(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, clock: FakeClock, services: Services) -> None:
    """Hugo's platform is down when the question reaches him: his card waits in the outbox. His time
    runs out meanwhile, so the card (and its "timed out" update) is dropped, not delivered late,
    while the next expert gets theirs."""
    down = DownFor(HUGO)
    services.messengers["console"] = down
    await chat(ASKER).say(KUBERNETES)
    assert (await question_row(db)).assignee_id == demo[HUGO] and not directs(down, HUGO)
    clock.advance(FOUR_HOURS)
    assert await expire_due_questions(services) == 1
    assert (await question_row(db)).assignee_id == demo[DANIEL] and len(directs(down, DANIEL)) == 1
    down.up = True
    clock.advance(timedelta(hours=2))
    await Dispatcher(services).run_once()
    assert not directs(down, HUGO) and not updates(down, HUGO)
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery))).all()
    statuses = {(row.purpose, row.target_id): row.status for row in rows}
    assert statuses[("question.card", str(demo[HUGO]))] == "skipped"
    assert statuses[("question.card_update", str(demo[HUGO]))] == "skipped"
    assert statuses[("question.card", str(demo[DANIEL]))] == "sent"
