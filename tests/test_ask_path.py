"""The ``ask`` command's fast path (issue 13): the first holder chosen by reads before anything is
written, the question saved already routed, the ranking's members left out bound slot by slot, and the
card sent beside the reply when a worker dispatches — deciding exactly what it decided before."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from core.capabilities import build_registry
from core.commands import Actor, Invocation
from core.commands.router import CommandRouter
from core.directory.search import EXCLUDE_SIZES, rank_experts
from core.ports import FakeClock, FakeMessenger, MemberAddress, Progress, SentMessage
from core.runtime import postgres_reads
from core.runtime.background import holding
from core.runtime.db import Database
from core.runtime.scheduler import Worker
from core.runtime.sqlite_reader import DirectReader
from core.schema import Delivery, ExpertSkill, ExpertStatus, Identity, Member, Question, QuestionRoute, Skill
from core.services import Services
from tests.conftest import TEST_SETTINGS
from tests.expert_support import directs, import_demo, question_row, routes

ASKER = "emily.jones@aurora.example"
HUGO = "hugo.lefebvre@aurora.example"
KUBERNETES = "ask How do I deploy a Python service on Kubernetes?"
HOLDERS = 40


async def holders(db: Database, clock: FakeClock) -> tuple[int, list[int]]:
    """One skill held by ``HOLDERS`` reachable members at levels 1–3; a few of them away, a few busy
    with open questions: the ranking's order depends on level, availability and load at once."""
    async with db.uow() as uow:
        skill = Skill(name="cobol")
        uow.session.add(skill)
        members = [Member(email=f"m{n}@example.org", display_name=f"M {n}") for n in range(HOLDERS)]
        uow.session.add_all(members)
        await uow.session.flush()
        assert skill.id is not None
        ids = [m.id for m in members if m.id is not None]
        for n, member_id in enumerate(ids):
            uow.session.add(ExpertSkill(member_id=member_id, skill_id=skill.id, level=1 + n % 3))
            uow.session.add(Identity(platform="console", tenant="local", user_id=f"m{n}",
                                     member_id=member_id))
            if n % 7 == 3:
                uow.session.add(ExpertStatus(member_id=member_id, away=True))
        for n in range(0, HOLDERS, 5):  # busy: an open question each
            uow.session.add(Question(asker_id=ids[-1], text="an open question", status="routed",
                                     assignee_id=ids[n], deadline_at=clock.now() + timedelta(hours=1)))
        await uow.commit()
    return skill.id, ids


@pytest.mark.parametrize("left_out", [1, 3, 16, 17, 30])
async def test_members_left_out_rank_as_if_filtered_out_afterwards(  # type: ignore[no-untyped-def]
        db: Database, clock: FakeClock, left_out: int) -> None:
    """Slots (up to the largest shape) or an expanding list beyond it: the same ranking either way,
    the members left out removed and nobody else, in the routing order and in the search order."""
    assert EXCLUDE_SIZES[-1] == 16, "the cases above straddle the largest shape"
    skill, ids = await holders(db, clock)
    excluded = set(ids[1::2][:left_out])
    for by_load, available in ((True, True), (False, False)):
        async with db.uow() as uow:
            everyone = await rank_experts(uow, {skill: 100.0}, clock.now(), limit=HOLDERS,
                                          available_only=available, by_load=by_load, reachable_only=by_load)
            ranked = await rank_experts(uow, {skill: 100.0}, clock.now(), limit=HOLDERS, exclude=excluded,
                                        available_only=available, by_load=by_load, reachable_only=by_load)
            first = await rank_experts(uow, {skill: 100.0}, clock.now(), limit=1, exclude=excluded,
                                       available_only=available, by_load=by_load, reachable_only=by_load)
        expected = [e.member_id for e in everyone if e.member_id not in excluded]
        assert [e.member_id for e in ranked] == expected
        assert [e.member_id for e in first] == expected[:1], "the expert routing picks"


def statements_of(db: Database) -> tuple[list[str], object]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    return seen, record


def also_fast_reads(seen: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Record in ``seen`` the reads the engine's events do not see: SQLite's in the loop's own thread
    (``sqlite_reader``), PostgreSQL's straight on asyncpg (``postgres_reads``)."""
    direct, fetch = DirectReader.rows, postgres_reads._fetch

    def read_directly(reader: DirectReader, prepared: Any, params: dict[str, Any]) -> list[Any] | None:
        seen.append(" ".join(prepared.sql.split()))
        return direct(reader, prepared, params)

    async def fetch_directly(adapted: Any, prepared: Any, dialect: Any, args: Any) -> Any:
        seen.append(" ".join(prepared.sql.split()))
        return await fetch(adapted, prepared, dialect, args)

    monkeypatch.setattr(DirectReader, "rows", read_directly)
    monkeypatch.setattr(postgres_reads, "_fetch", fetch_directly)


async def test_ask_saves_the_question_already_routed_without_reading_back(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock, messenger: FakeMessenger) -> None:
    """One INSERT of the question with its holder and deadline; no UPDATE of it, no read of routes
    nobody can have yet, no skill ids read back by name."""
    demo = await import_demo(db, clock)
    seen, record = statements_of(db)
    try:
        reply = await chat(ASKER).say(KUBERNETES)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert "Hugo Lefebvre" in reply.text
    row = await question_row(db)
    due = clock.now() + timedelta(hours=4)
    assert (row.status, row.assignee_id, row.deadline_at) == ("routed", demo[HUGO], due)
    assert await routes(db) == [(demo[HUGO], None)]
    assert len([s for s in seen if s.startswith("INSERT INTO question ")]) == 1
    assert not [s for s in seen if s.startswith("UPDATE question ")]
    assert not [s for s in seen if "FROM question_route WHERE question_route.question_id" in s]
    assert not [s for s in seen if s.startswith("SELECT skill.id FROM skill WHERE skill.name IN")]
    assert directs(messenger, HUGO), "the card went out after the commit"


async def test_a_question_nobody_can_take_is_saved_expired_at_once(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock) -> None:
    """No expert, no referent, no fallback: saved ``expired`` in its one INSERT, the asker told why."""
    await import_demo(db, clock)
    async with db.uow() as uow:  # nobody can be reached: imported, never seen on a platform
        for identity in (await uow.session.exec(select(Identity))).all():
            await uow.session.delete(identity)
        await uow.commit()
    reply = await chat(ASKER).say(KUBERNETES)
    row = await question_row(db)
    assert row.status == "expired" and row.assignee_id is None and row.closed_at == clock.now()
    assert not reply.error and "Nobody can answer your question #1" in reply.text
    assert "away or cannot be reached" in reply.text, "the referents exist, none can be reached"
    assert await routes(db) == []


class Gated(FakeMessenger):
    """Holds every direct message until ``gate`` opens."""

    def __init__(self) -> None:
        super().__init__(platform="console")
        self.gate = asyncio.Event()

    async def send_direct(self, to: MemberAddress, reply, progress: Progress | None = None,  # type: ignore[no-untyped-def]
                          ) -> SentMessage:
        await self.gate.wait()
        return await super().send_direct(to, reply, progress)


async def test_with_a_dispatching_worker_the_card_goes_beside_the_reply(  # type: ignore[no-untyped-def]
        db: Database, clock: FakeClock) -> None:
    """The asker's reply does not wait for the expert's card; the card's row was committed with the
    question, it is sent by the worker's task, and stopping the worker waits for that send."""
    demo = await import_demo(db, clock)
    messenger = Gated()
    registry = build_registry()
    services = Services(db=db, renderers=registry, clock=clock, messengers={"console": messenger},
                        settings=TEST_SETTINGS)
    worker = Worker(services, registry, jobs={}, hooks={}, schedules=False)
    await worker.start()
    try:
        actor = Actor(platform="console", tenant="local", user_id=ASKER, email=ASKER, display_name="Emily")
        asked = CommandRouter(services, registry).handle(Invocation(actor=actor, text=KUBERNETES))
        reply = await asyncio.wait_for(asked, 10)
        assert "Hugo Lefebvre" in reply.text and not directs(messenger, HUGO)
        async with db.uow() as uow:
            cards = select(Delivery).where(col(Delivery.purpose) == "question.card")
            card = (await uow.session.exec(cards)).one()
            assert card.target_id == str(demo[HUGO]) and card.status in ("pending", "sending")
            route = (await uow.session.exec(select(QuestionRoute))).one()
            assert card.source == f"route:{route.id}"
        messenger.gate.set()
    finally:
        await worker.stop()
    assert len(directs(messenger, HUGO)) == 1
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Delivery.status).where(
            col(Delivery.purpose) == "question.card"))).one() == "sent"


async def test_without_a_worker_the_server_still_sends_the_card_beside_the_reply(  # type: ignore[no-untyped-def]
        db: Database, clock: FakeClock) -> None:
    """``parvis serve`` with ``[scheduler] enabled = false`` holds the process's after-reply work
    (``core.runtime.background``): the asker's reply does not wait for the expert's card, the card's
    row is committed with the question, and stopping the holder waits for the send."""
    demo = await import_demo(db, clock)
    messenger = Gated()
    registry = build_registry()
    services = Services(db=db, renderers=registry, clock=clock, messengers={"console": messenger},
                        settings=TEST_SETTINGS)
    stopping = None
    async with holding(services) as held:
        actor = Actor(platform="console", tenant="local", user_id=ASKER, email=ASKER, display_name="Emily")
        asked = CommandRouter(services, registry).handle(Invocation(actor=actor, text=KUBERNETES))
        reply = await asyncio.wait_for(asked, 10)
        assert "Hugo Lefebvre" in reply.text and not directs(messenger, HUGO)
        async with db.uow() as uow:
            card = (await uow.session.exec(select(Delivery).where(
                col(Delivery.purpose) == "question.card"))).one()
            assert card.target_id == str(demo[HUGO]) and card.status in ("pending", "sending")
        stopping = asyncio.ensure_future(held.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done(), "stopping waits for the card's send"
        messenger.gate.set()
        await asyncio.wait_for(stopping, 10)
    assert stopping is not None and stopping.done()
    assert len(directs(messenger, HUGO)) == 1
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Delivery.status).where(
            col(Delivery.purpose) == "question.card"))).one() == "sent"


async def test_ask_reads_the_version_with_the_reusable_questions_and_the_holder_with_the_ranking(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before its writes, ``ask`` reads twice: the reusable questions with the vocabulary's version
    (no statement of its own for the version), then the ranking with the expert's name and time zone
    (no read of the holder by id)."""
    demo = await import_demo(db, clock)
    await chat(ASKER).say("expert find python")  # the asker's member row written, the vocabulary read
    seen, record = statements_of(db)
    also_fast_reads(seen, monkeypatch)
    try:
        reply = await chat(ASKER).say(KUBERNETES)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert "Hugo Lefebvre" in reply.text
    assert (await question_row(db)).assignee_id == demo[HUGO]
    reads = [s for s in seen[:next(i for i, s in enumerate(seen) if s.startswith("INSERT"))]
             if s.startswith("SELECT")]
    assert len(reads) == 2, reads
    assert "FROM skill" in reads[0] and "question.reusable" in reads[0]
    assert "member.timezone" in reads[1] and "expert_skill" in reads[1]
    checks = [s for s in seen if s.startswith("SELECT member.erased_at")]
    if db.dialect == "postgresql":  # the asker's row read with the first statement, under a share lock
        assert reads[0].endswith("FOR SHARE OF member") and checks == [], seen
    else:                           # SQLite reads apart from the write turn: the router checks after
        assert len(checks) == 1


async def test_a_question_for_the_referents_reads_the_first_free_one_at_once(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """No skill matched: the first free referent (reachable, not away, not the asker) with their name
    and time zone in one read, not a read of the candidates, then of who is reachable, who is away,
    and of the holder."""
    demo = await import_demo(db, clock)
    await chat(ASKER).say("expert find python")
    seen, record = statements_of(db)
    also_fast_reads(seen, monkeypatch)
    try:
        reply = await chat(ASKER).say("ask Who can explain quantum chromodynamics lattice methods?")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    row = await question_row(db)
    assert row.status == "escalated" and row.assignee_id == demo["lucas.bernard@aurora.example"]
    assert "Lucas Bernard" in reply.text
    reads = [s for s in seen[:next(i for i, s in enumerate(seen) if s.startswith("INSERT"))]
             if s.startswith("SELECT")]
    assert len(reads) == 2, reads
    assert all(table in reads[1] for table in ("member_role", "identity", "expert_status", "timezone"))


async def test_ask_matches_a_skill_another_process_added(  # type: ignore[no-untyped-def]
        chat, db: Database, database_url: str, clock: FakeClock) -> None:
    """The version read with the reusable questions still tells this process that its cached
    vocabulary is stale: a skill and its expert added by another process route the next question."""
    await import_demo(db, clock)
    asker = chat(ASKER)
    first = await asker.say("ask Who can help me port our COBOL batch jobs?")
    assert (await question_row(db)).skills == [] and "Hugo" not in first.text
    other = Database(database_url)  # another process: this one's caches hear nothing of its commits
    try:
        async with other.uow() as uow:
            hugo = (await uow.session.exec(select(Member).where(Member.email == HUGO))).one()
            skill = Skill(name="cobol")
            uow.session.add(skill)
            await uow.session.flush()
            assert skill.id is not None and hugo.id is not None
            uow.session.add(ExpertSkill(member_id=hugo.id, skill_id=skill.id, level=3))
            await uow.commit()
    finally:
        await other.dispose()
    second = await asker.say("ask Who can help me port our COBOL batch jobs, please?")
    row = await question_row(db, 2)
    assert row.skills == ["cobol"] and row.status == "routed", second.text
    assert "Hugo Lefebvre" in second.text
