"""The outbox: materialising a round is idempotent, per purpose and target."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.engine.default import CACHE_HIT
from sqlmodel import select

from core.delivery.outbox import Source, Target, enqueue, target_of
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import Delivery
from tests.delivery_support import PURPOSE, make_round


async def test_enqueue_is_idempotent_per_round_purpose_and_target(db: Database, clock: FakeClock) -> None:
    round_id, targets = await make_round(db, 3, clock.now())
    async with db.uow() as uow:
        assert len(await enqueue(uow, Source("round", round_id), PURPOSE, targets, clock.now())) == 3
        await uow.commit()
    async with db.uow() as uow:
        again = [*targets, Target.channel("C1")]
        assert len(await enqueue(uow, Source("round", round_id), PURPOSE, again + again, clock.now())) == 1
        assert len(await enqueue(uow, Source("round", round_id), "reminder", targets[:2], clock.now(),
                                 payload={"n": 1})) == 2
        await uow.commit()
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()
    assert [(r.purpose, target_of(r)) for r in rows] == [
        *[(PURPOSE, t) for t in targets], (PURPOSE, Target("channel", "C1")),
        ("reminder", targets[0]), ("reminder", targets[1])]
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)
    assert rows[-1].payload == {"n": 1}


async def test_enqueue_takes_a_due_time_per_target_and_rolls_back_with_the_caller(
        db: Database, clock: FakeClock) -> None:
    round_id, targets = await make_round(db, 2, clock.now())
    due = {targets[0]: clock.now() + timedelta(hours=1), targets[1]: clock.now() + timedelta(hours=7)}
    async with db.uow() as uow:
        assert len(await enqueue(uow, Source("round", round_id), PURPOSE, targets, due)) == 2
        # not committed: nothing must remain
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Delivery))).all() == []
        await enqueue(uow, Source("round", round_id), PURPOSE, targets, due)
        await uow.commit()
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()
    assert [r.next_attempt_at for r in rows] == [due[targets[0]], due[targets[1]]]


async def test_enqueue_in_batches(db: Database, clock: FakeClock) -> None:
    round_id, _ = await make_round(db, 0, clock.now())
    targets = [Target.channel(f"C{i}") for i in range(1234)]
    async with db.uow() as uow:
        assert len(await enqueue(uow, Source("round", round_id), PURPOSE, targets, clock.now())) == 1234
        assert len(await enqueue(uow, Source("round", round_id), PURPOSE, targets, clock.now())) == 0
        await uow.commit()


async def test_deliveries_of_other_sources_have_no_round(db: Database, clock: FakeClock) -> None:
    """A question's or an announcement's deliveries are named by their source: the same target may get
    one per source, and enqueueing one again is harmless (``enqueue`` gives the new rows only)."""
    _, targets = await make_round(db, 1, clock.now())
    channel, now = [Target.channel("gc:1")], clock.now()
    async with db.uow() as uow:
        first = await enqueue(uow, Source("announcement", 3), "group.announcement", channel, now)
        again = await enqueue(uow, Source("announcement", 3), "group.announcement", channel, now)
        other = await enqueue(uow, Source("announcement", 4), "group.announcement", channel, now)
        card = await enqueue(uow, Source("route", 3), "question.card", targets, clock.now())
        await uow.commit()
    assert len(first) == len(other) == len(card) == 1 and again == []
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()
    assert [(r.id, r.source, r.round_id) for r in rows] == [
        (first[0], "announcement:3", None), (other[0], "announcement:4", None), (card[0], "route:3", None)]


async def test_one_row_is_enqueued_by_a_statement_compiled_once(db: Database, clock: FakeClock) -> None:
    """A routed question's card is one row: its ``INSERT`` is built with bound values, so the process
    compiles it once and takes it from SQLAlchemy's cache after that (a ``VALUES`` list has no cache
    key: it was compiled anew for every card, about a millisecond of each ``ask``)."""
    _, targets = await make_round(db, 1, clock.now())
    inserts: list[object] = []

    def seen(_conn: object, _cursor: object, statement: str, _params: object, context: object,
             _many: bool) -> None:
        if statement.startswith("INSERT INTO delivery"):
            inserts.append(getattr(context, "cache_hit", None))

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        for route in range(1, 4):
            async with db.uow() as uow:
                assert len(await enqueue(uow, Source("route", route), "question.card", targets, clock.now(),
                                         payload={"stage": "expert"})) == 1
                await uow.commit()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)
    assert inserts[1:] == [CACHE_HIT, CACHE_HIT], "the same statement each time, from the cache"
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()
    assert [(r.source, r.payload, r.status) for r in rows] == [
        (f"route:{n}", {"stage": "expert"}, "pending") for n in (1, 2, 3)]
