"""The inbound event ledger: the first delivery of an event claims it, retries are dropped, a failed
handling releases the claim; ids of different platforms never collide."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.inbound import ledger
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
