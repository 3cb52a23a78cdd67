"""The scheduler runtime: periodic jobs, campaign jobs, hooks, leader election, graceful stop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.delivery.dispatcher import Dispatcher
from core.delivery.outbox import Source, enqueue
from core.delivery.ratelimit import Rate
from core.ports import FakeMessenger
from core.registry import Registry
from core.runtime.db import Database
from core.runtime.jobs import PeriodicJob
from core.runtime.scheduler import Worker, configured_worker, running, worker_of
from core.services import Services
from core.settings import SchedulerSettings, Settings
from tests import delivery_support
from tests.delivery_support import PURPOSE, make_round


@pytest.fixture
def registry(registry: Registry) -> Registry:
    """The test's registry, with the test renderer of ``PURPOSE``."""
    delivery_support.register(registry)
    return registry


async def eventually(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def recorder(calls: list[str], name: str):  # type: ignore[no-untyped-def]
    async def job(*args: object) -> None:
        calls.append(name)

    return job


async def test_periodic_jobs_run_at_start_and_repeat(services: Services, registry: Registry) -> None:
    calls: list[str] = []
    jobs = {"a": PeriodicJob("a", 0.05, recorder(calls, "a")),
            "b": PeriodicJob("b", 0.05, recorder(calls, "b"), leader_only=True)}
    worker = Worker(services, registry, jobs=jobs, hooks={})
    await worker.start()
    try:
        assert worker.is_leader  # SQLite: the one process leads
        await eventually(lambda: calls.count("a") >= 3 and calls.count("b") >= 3)
        assert worker_of(services) is worker
    finally:
        await worker.stop()
    assert worker_of(services) is None


async def test_a_worker_without_schedules_runs_no_leader_jobs(services: Services, registry: Registry) -> None:
    calls: list[str] = []
    jobs = {"a": PeriodicJob("a", 0.05, recorder(calls, "a")),
            "b": PeriodicJob("b", 0.05, recorder(calls, "b"), leader_only=True)}
    hooks = {"h": recorder(calls, "hook")}
    worker = Worker(services, registry, jobs=jobs, hooks=hooks, schedules=False)
    await worker.start()
    await eventually(lambda: calls.count("a") >= 2)
    await worker.stop()
    assert "b" not in calls and "hook" not in calls and not worker.is_leader


async def test_hooks_create_campaign_jobs_once(services: Services, registry: Registry) -> None:
    calls: list[str] = []
    fired = recorder(calls, "campaign")

    async def hook(worker: Worker) -> None:
        worker.schedule("campaign:7", IntervalTrigger(hours=1), fired, 7)

    worker = Worker(services, registry, jobs={}, hooks={"h": hook})
    await worker.start()
    try:
        assert "campaign:7" in worker.job_ids()
        first = worker.next_run("campaign:7")
        assert worker.schedule("campaign:7", IntervalTrigger(hours=1), fired, 7) is False
        assert worker.next_run("campaign:7") == first
        soon = datetime.now(UTC) + timedelta(milliseconds=50)
        assert worker.schedule("campaign:7", DateTrigger(soon), fired, 7) is True
        await eventually(lambda: calls == ["campaign"])
        assert worker.unschedule("campaign:7") is False  # a date job is gone once it ran
        worker.schedule("campaign:8", IntervalTrigger(hours=1), fired, 8)
        assert worker.unschedule("campaign:8") is True
    finally:
        await worker.stop()


async def test_the_dispatch_job_sends_due_deliveries(services: Services, messenger: FakeMessenger,
                                                     registry: Registry) -> None:
    round_id, targets = await make_round(services.db, 4, services.clock.now())
    async with services.db.uow() as uow:
        await enqueue(uow, Source("round", round_id), PURPOSE, targets, services.clock.now())
        await uow.commit()
    services.settings = Settings(scheduler=SchedulerSettings(dispatch_interval_seconds=0.05,
                                                             dispatch_concurrency=2))
    async with running(services, registry) as worker:
        assert worker.dispatcher.concurrency == 2
        await eventually(lambda: len(messenger.sent) == 4)


async def test_stop_lets_a_running_job_finish(services: Services, registry: Registry) -> None:
    finished: list[bool] = []

    async def slow(_: Services) -> None:
        await asyncio.sleep(0.2)
        finished.append(True)

    worker = Worker(services, registry, jobs={"slow": PeriodicJob("slow", 60, slow)}, hooks={})
    await worker.start()
    await asyncio.sleep(0.05)
    await worker.stop()
    assert finished == [True]


async def test_a_failing_job_is_logged_and_the_others_go_on(
        services: Services, caplog: pytest.LogCaptureFixture, registry: Registry) -> None:
    calls: list[str] = []

    async def broken(_: Services) -> None:
        raise RuntimeError("boom")

    jobs = {"broken": PeriodicJob("broken", 0.05, broken),
            "ok": PeriodicJob("ok", 0.05, recorder(calls, "ok"))}
    worker = Worker(services, registry, jobs=jobs, hooks={})
    await worker.start()
    await eventually(lambda: calls.count("ok") >= 2)
    await worker.stop()
    assert "scheduled job broken failed" in caplog.text


async def test_only_one_process_leads_on_postgresql(db: Database, services: Services,
                                                    registry: Registry) -> None:
    if db.dialect != "postgresql":
        pytest.skip("leader election uses pg_try_advisory_lock; on SQLite the single process leads")
    calls: list[str] = []
    hooks = {"h": recorder(calls, "hook")}
    jobs = {"lead": PeriodicJob("lead", 0.05, recorder(calls, "lead"), leader_only=True)}
    other = Services(db=db, renderers=services.renderers, clock=services.clock,
                     messengers=services.messengers)
    first = Worker(services, registry, jobs=jobs, hooks=hooks, dispatcher=Dispatcher(services),
                   election_seconds=0.1)
    second = Worker(other, registry, jobs=jobs, hooks=hooks, dispatcher=Dispatcher(other),
                    election_seconds=0.1)
    await first.start()
    await second.start()
    try:
        assert first.is_leader and not second.is_leader
        assert calls.count("hook") == 1
        await first.stop()  # the leader goes away: the other takes over and rebuilds its jobs
        await eventually(lambda: second.is_leader)
        assert calls.count("hook") == 2
    finally:
        await first.stop()
        await second.stop()


async def test_wake_dispatches_new_rows_before_the_interval(
        services: Services, messenger: FakeMessenger, registry: Registry) -> None:
    worker = Worker(services, registry, jobs={}, hooks={}, intervals={"outbox.dispatch": 3600})
    await worker.start()
    try:
        await asyncio.sleep(0.05)  # the first, empty, dispatch run
        round_id, targets = await make_round(services.db, 3, services.clock.now())
        async with services.db.uow() as uow:
            await enqueue(uow, Source("round", round_id), PURPOSE, targets, services.clock.now())
            await uow.commit()
        assert worker_of(services) is worker
        worker.wake()
        await eventually(lambda: len(messenger.sent) == 3, timeout=3.0)
    finally:
        await worker.stop()


def test_the_configured_worker_follows_the_scheduler_settings(services: Services, registry: Registry) -> None:
    worker = configured_worker(services, registry)
    assert worker.dispatcher.concurrency == 16 and worker.dispatch_interval == 5.0
    assert worker.dispatcher.limiter.rates == {"slack": Rate(3.0, burst=3.0), "teams": Rate(20.0, burst=20.0)}
    scheduler = SchedulerSettings(dispatch_interval_seconds=2.0, dispatch_concurrency=3, slack_per_minute=120,
                                  teams_per_second=7)
    services.settings = Settings(scheduler=scheduler)
    worker = configured_worker(services, registry)
    assert worker.dispatcher.concurrency == 3 and worker.dispatch_interval == 2.0
    assert worker.dispatcher.limiter.rates == {"slack": Rate(2.0, burst=2.0), "teams": Rate(7.0, burst=7.0)}
