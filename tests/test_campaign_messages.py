"""Campaign renderers on a claimed batch: who is skipped at send time, and a batch costs the same few
queries whatever its size (rounds, prompts and recipients are loaded once per batch, not per row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import select

from core.capabilities import build_registry
from core.delivery.outbox import Outgoing, Source, Target, enqueue
from core.delivery.rendering import render_rows
from core.ports import FakeClock, MemberAddress
from core.runtime.db import Database
from core.schema import (
    Campaign,
    CampaignPrompt,
    Delivery,
    ExpertStatus,
    Group,
    GroupMember,
    Identity,
    Member,
    Round,
)
from core.settings import Settings

#: the campaign renderers, as a process wires them
REGISTRY = build_registry()
SETTINGS = Settings()


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """The SQL statements run on ``db`` inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def campaign_round(db: Database, clock: FakeClock, members: int, *, status: str = "running") -> int:
    """A campaign for one group of ``members`` (odd ones in French); member 2 opted out, 3 is away,
    4 is not in the group, 5 is erased. Returns the round id."""
    now = clock.now()
    async with db.uow() as uow:
        group = Group(slug="team", name="Team")
        uow.session.add(group)
        await uow.session.flush()
        campaign = Campaign(title="Weekly", audience={"groups": [group.id]}, status=status,
                            anonymity_salt="s")
        uow.session.add(campaign)
        await uow.session.flush()
        assert campaign.id is not None and group.id is not None
        uow.session.add(CampaignPrompt(campaign_id=campaign.id, position=1, kind="scale", text="Mood?"))
        round_ = Round(campaign_id=campaign.id, index=1, due_at=now, closes_at=now + timedelta(days=1))
        uow.session.add(round_)
        for i in range(1, members + 1):
            uow.session.add(Member(id=i, display_name=f"m{i}", email=f"m{i}@example.com",
                                   locale="fr" if i % 2 else "en", campaign_opt_out=i == 2,
                                   erased_at=now if i == 5 else None))
        await uow.session.flush()
        for i in range(1, members + 1):
            if i != 5:
                uow.session.add(Identity(platform="console", tenant="T", user_id=f"U{i}", member_id=i))
            if i != 4:
                uow.session.add(GroupMember(group_id=group.id, member_id=i))
        uow.session.add(ExpertStatus(member_id=3, away=True))
        await uow.session.flush()
        assert round_.id is not None
        targets = [Target.member(i) for i in range(1, members + 1)]
        await enqueue(uow, Source("round", round_.id), "prompt", targets, now)
        await uow.commit()
        return round_.id


async def claimed(db: Database, clock: FakeClock) -> list[Delivery]:
    async with db.uow() as uow:
        rows = list((await uow.session.exec(select(Delivery).order_by(Delivery.id))).all())
    for row in rows:
        row.claimed_at = clock.now()
    return rows


async def test_skips_opted_out_away_departed_and_erased_and_speaks_each_language(db: Database,
                                                                                 clock: FakeClock) -> None:
    await campaign_round(db, clock, 7)
    rendered = await render_rows(db, REGISTRY, await claimed(db, clock), SETTINGS)
    sent = {i + 1: r for i, r in enumerate(rendered) if isinstance(r, Outgoing)}
    assert sorted(sent) == [1, 6, 7] and [r for r in rendered if not isinstance(r, Outgoing)] == [None] * 4
    assert sent[6].address == MemberAddress("console", "T", "U6")
    assert sent[1].reply.text != sent[6].reply.text  # French and English intros
    assert sent[1].reply is sent[7].reply             # one message built per language and time zone


async def test_a_prompt_of_a_paused_campaign_is_skipped(db: Database, clock: FakeClock) -> None:
    await campaign_round(db, clock, 3, status="paused")
    assert await render_rows(db, REGISTRY, await claimed(db, clock), SETTINGS) == [None] * 3


async def test_a_batch_costs_the_same_queries_whatever_its_size(db: Database, clock: FakeClock) -> None:
    await campaign_round(db, clock, 40)
    rows = await claimed(db, clock)
    with counting(db) as small:
        await render_rows(db, REGISTRY, rows[:6], SETTINGS)
    with counting(db) as large:
        rendered = await render_rows(db, REGISTRY, rows, SETTINGS)
    assert sum(isinstance(r, Outgoing) for r in rendered) == 36
    assert len(large) == len(small) <= 6
