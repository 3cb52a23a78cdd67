"""The inbound event ledger: the first delivery of an event claims it, retries are dropped, a failed
handling releases the claim; ids of different platforms never collide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from core.inbound import ledger
from core.registry import Registry
from core.schema import ProcessedEvent
from core.services import Services


async def test_only_the_first_delivery_claims_an_event(services: Services) -> None:
    assert await ledger.first_time(services, "slack", "Ev1")
    assert not await ledger.first_time(services, "slack", "Ev1")
    assert await ledger.first_time(services, "teams", "Ev1"), "another platform's id is another event"
    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(ProcessedEvent))).all()
    assert sorted((row.key, row.platform) for row in rows) == [("slack:Ev1", "slack"), ("teams:Ev1", "teams")]


async def test_once_runs_the_work_once_and_releases_a_failed_claim(services: Services) -> None:
    done: list[str] = []

    async def work() -> None:
        done.append("work")

    async def failing() -> None:
        raise RuntimeError("platform down")

    with pytest.raises(RuntimeError):
        await ledger.once(services, "slack", "Ev2", failing)
    assert await ledger.once(services, "slack", "Ev2", work), "the failure released the claim"
    assert not await ledger.once(services, "slack", "Ev2", work), "a retry after success is dropped"
    assert done == ["work"]


async def test_the_ledger_keeps_a_day_and_a_periodic_job_prunes_the_rest(  # type: ignore[no-untyped-def]
        services: Services, registry: Registry, clock) -> None:
    """Slack retries for five minutes at most: a day is plenty, and the table no longer grows forever."""
    job = registry.jobs["inbound.prune"]
    assert job.leader_only and job.seconds <= 3600
    assert await ledger.first_time(services, "slack", "Old")
    clock.advance(timedelta(hours=23))
    assert await ledger.first_time(services, "slack", "Recent")
    clock.advance(timedelta(hours=1, seconds=1))
    assert await job.function(services) == 1
    async with services.db.uow() as uow:
        keys = [row.key for row in (await uow.session.exec(select(ProcessedEvent))).all()]
    assert keys == ["slack:Recent"]
    assert not await ledger.first_time(services, "slack", "Recent"), "a retry within the day is still dropped"
    clock.advance(timedelta(days=1, seconds=1))
    assert await job.function(services) == 1
    assert await job.function(services) == 0
