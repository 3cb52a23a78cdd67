"""The scheduler runtime: periodic jobs, one job per campaign schedule, and the delivery dispatcher.

APScheduler 3.x ``AsyncIOScheduler`` with its in-memory job store, rebuilt at every start: the
database is the only state. Why in memory: APScheduler 3 cannot share a persistent job store between
processes (each process would run every job), and each persistent ``add_job`` blocks the event loop
for milliseconds — so there is never one job per recipient: a campaign schedule is one job that
materialises a round into the outbox, and the dispatcher sends the rows.

With several processes on PostgreSQL, one of them is the *leader*: the one holding
``pg_try_advisory_lock(LEADER_LOCK_KEY)`` on a connection kept for the process lifetime (the lock
goes with the connection, so a crashed leader frees it at once). Only the leader runs ``leader_only``
periodic jobs and campaign schedule jobs; the others retry the lock every ``election_seconds`` and
take over if the leader dies. Every process dispatches: claims use ``SKIP LOCKED``. On SQLite there is
one process, which is the leader.

Every process with ``dispatch`` on runs its ``Dispatcher`` in a loop of its own (not as an interval
job: a long round is one run, and a run that outlasts the interval would make APScheduler skip and
log every trigger meanwhile); it runs again at once while rows keep settling, else after the
``outbox.dispatch`` interval, or as soon as ``worker.wake()`` is called after new rows were committed.

The periodic jobs and start hooks are those of the registry the worker is built with (``core.registry``,
read through ``Schedule``: the registry holds the start hooks, which take a ``Worker``). A feature
plugs in a start hook with ``registry.add_start_hook(hook)`` in its ``wiring.py``: each hook gets the
``Worker`` and (re)creates its jobs from the database with ``worker.schedule(job_id, trigger, function,
*args)``. Hooks run when a process
becomes leader and again every ``resync_seconds`` (so a campaign started through another process is
picked up); ``schedule`` keeps an identical existing job, so re-running a hook does not disturb it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from weakref import WeakValueDictionary

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from core.delivery.dispatcher import Dispatcher
from core.delivery.sharedpace import pacing
from core.runtime.background import Background
from core.runtime.jobs import PeriodicJob

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

#: the advisory lock every Parvis process of one database competes for ("parv" in ASCII)
LEADER_LOCK_KEY = 0x70617276
DISPATCH_JOB = "outbox.dispatch"

StartHook = Callable[["Worker"], Awaitable[Any]]
_WORKERS: WeakValueDictionary[int, Worker] = WeakValueDictionary()


class Schedule(Protocol):
    """The periodic jobs and start hooks of a process (``core.registry.Registry`` has them)."""

    @property
    def jobs(self) -> Mapping[str, PeriodicJob]: ...

    @property
    def start_hooks(self) -> Mapping[str, StartHook]: ...


def worker_of(services: Services) -> Worker | None:
    """The running worker of this process, for a command that must (re)schedule a campaign now."""
    return _WORKERS.get(id(services))


class Worker:
    """Runs periodic jobs, campaign schedule jobs (leader only) and the dispatcher of one process.

    ``jobs`` and ``hooks`` default to those of ``registry``."""

    def __init__(self, services: Services, registry: Schedule, *, dispatch: bool = True,
                 schedules: bool = True, dispatcher: Dispatcher | None = None,
                 intervals: Mapping[str, float] | None = None,
                 jobs: Mapping[str, PeriodicJob] | None = None,
                 hooks: Mapping[str, StartHook] | None = None,
                 misfire_grace_seconds: int = 300, election_seconds: float = 15.0,
                 resync_seconds: float = 60.0, stop_timeout: float = 30.0,
                 lock_key: int = LEADER_LOCK_KEY) -> None:
        self.services = services
        self.dispatch = dispatch
        self.schedules = schedules
        self.dispatcher = dispatcher or Dispatcher(services)
        self.intervals = dict(intervals or {})
        self.jobs = registry.jobs if jobs is None else jobs
        self.hooks = registry.start_hooks if hooks is None else hooks
        self.misfire_grace_seconds = misfire_grace_seconds
        self.election_seconds = election_seconds
        self.resync_seconds = resync_seconds
        self.stop_timeout = stop_timeout
        self.lock_key = lock_key
        self.is_leader = False
        self._lock_connection: AsyncConnection | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[Any]] = set()
        #: the work sent after a command's reply while this worker runs (``core.runtime.background``)
        self._after = Background(services, stop_timeout)
        self._dispatch_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Build the jobs afresh and start; if this process leads, run the start hooks."""
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        for job in self.jobs.values():
            if job.name == DISPATCH_JOB:
                continue  # run by the dispatch loop below
            if job.leader_only and not self.schedules:
                continue
            self._add_periodic(job)
        if self.schedules:
            self._add_internal("scheduler.elect", self.election_seconds, self._elect)
            self._add_internal("scheduler.resync", self.resync_seconds, self._resync)
        _WORKERS[id(self.services)] = self
        self._after.start()
        self._scheduler.start()
        if self.dispatch:
            self._dispatch_task = asyncio.create_task(self._dispatch_loop(), name="parvis-dispatch")
        if self.schedules:
            await self._elect()

    async def stop(self) -> None:
        """Stop triggering, let running jobs finish (a send is never cut in half), release the lock."""
        if self._scheduler is None:
            return
        self._scheduler.pause()
        self.dispatcher.stop()
        self._wake.set()
        waiting = set(self._running) | ({self._dispatch_task} if self._dispatch_task else set())
        await asyncio.gather(self._after.stop(), *([asyncio.wait(waiting, timeout=self.stop_timeout)]
                                                     if waiting else []))
        if self._dispatch_task is not None:
            self._dispatch_task.cancel()
            self._dispatch_task = None
        self._scheduler.shutdown(wait=False)
        self._scheduler = None
        await self._release()
        _WORKERS.pop(id(self.services), None)

    def wake(self) -> None:
        """Dispatch now rather than at the next interval (call after committing new deliveries)."""
        self._wake.set()

    @property
    def dispatch_interval(self) -> float:
        """Seconds between dispatch runs when nothing wakes the loop: ``intervals`` may override
        ``[scheduler] dispatch_interval_seconds``."""
        return self.intervals.get(DISPATCH_JOB, self.services.settings.scheduler.dispatch_interval_seconds)

    async def _dispatch_loop(self) -> None:
        """Dispatch until stopped: again at once while rows keep settling, else after the interval
        or a ``wake``. A loop rather than an interval job: a long round is one run, not a run that
        makes every later trigger skip (and log it)."""
        while not self.dispatcher.stopping:
            try:
                settled = await self.dispatcher.run_once()
            except Exception:
                log.exception("dispatching failed; retrying in %s s", self.dispatch_interval)
                settled = 0
            if settled or self.dispatcher.stopping:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.dispatch_interval)
            except TimeoutError:
                pass
            self._wake.clear()

    # -- campaign jobs -------------------------------------------------------------------------------

    def schedule(self, job_id: str, trigger: BaseTrigger, function: Callable[..., Awaitable[Any]],
                 *args: Any) -> bool:
        """Add or replace the job ``job_id`` (one per campaign schedule), run only while leading.

        An existing job with the same trigger and arguments is kept as it is, so hooks may run again.
        Returns whether the job was (re)created.
        """
        scheduler = self._require()
        existing = scheduler.get_job(job_id)
        if existing is not None and str(existing.trigger) == str(trigger) and existing.args[1:] == (
                function, *args):
            return False
        scheduler.add_job(self._run, trigger, args=(job_id, function, *args), id=job_id, name=job_id,
                          replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=self.misfire_grace_seconds)
        return True

    def unschedule(self, job_id: str) -> bool:
        """Remove a campaign job (paused or closed campaign); ``False`` if there was none."""
        try:
            self._require().remove_job(job_id)
        except JobLookupError:
            return False
        return True

    def job_ids(self) -> list[str]:
        return [job.id for job in self._require().get_jobs()]

    def next_run(self, job_id: str) -> datetime | None:
        job = self._require().get_job(job_id)
        return job.next_run_time if job is not None else None

    # -- internals -----------------------------------------------------------------------------------

    def _require(self) -> AsyncIOScheduler:
        if self._scheduler is None:
            raise RuntimeError("the worker is not started")
        return self._scheduler

    def _add_periodic(self, job: PeriodicJob) -> None:
        seconds = self.intervals.get(job.name, job.seconds)
        self._require().add_job(
            self._run_periodic, IntervalTrigger(seconds=seconds), args=(job,), id=f"periodic:{job.name}",
            name=job.name, coalesce=True, max_instances=1, misfire_grace_time=self.misfire_grace_seconds,
            next_run_time=datetime.now(UTC))

    def _add_internal(self, name: str, seconds: float, function: Callable[[], Awaitable[Any]]) -> None:
        self._require().add_job(function, IntervalTrigger(seconds=seconds), id=f"internal:{name}",
                                name=name, coalesce=True, max_instances=1,
                                misfire_grace_time=self.misfire_grace_seconds)

    async def _run_periodic(self, job: PeriodicJob) -> None:
        if job.leader_only and not self.is_leader:
            return
        await self._tracked(job.name, job.function, self.services)

    async def _run(self, job_id: str, function: Callable[..., Awaitable[Any]], *args: Any) -> None:
        if self.is_leader:
            await self._tracked(job_id, function, *args)

    async def _tracked(self, name: str, function: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run a job as a task ``stop`` can wait for; log its failure instead of losing it."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await function(*args)
        except Exception:
            log.exception("scheduled job %s failed", name)
        finally:
            if task is not None:
                self._running.discard(task)

    async def _resync(self) -> None:
        if self.is_leader:
            await self._run_hooks()

    async def _run_hooks(self) -> None:
        for name, hook in list(self.hooks.items()):
            await self._tracked(name, hook, self)

    # -- leader election -----------------------------------------------------------------------------

    async def _elect(self) -> None:
        """Become leader if possible; a leader checks its lock connection is still alive."""
        was_leader = self.is_leader
        if self.services.db.dialect != "postgresql":
            self.is_leader = True
        elif self._lock_connection is not None:
            self.is_leader = await self._still_holding()
        else:
            self.is_leader = await self._try_lock()
        if self.is_leader and not was_leader:
            log.info("this process is the scheduler leader")
            await self._run_hooks()
        elif was_leader and not self.is_leader:
            log.warning("lost the scheduler leadership (lock connection dropped)")

    async def _try_lock(self) -> bool:
        connection = await self.services.db.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                              {"key": self.lock_key})
            if result.scalar():
                self._lock_connection = connection
                return True
        except Exception:
            log.exception("could not try the scheduler leader lock")
        await connection.close()
        return False

    async def _still_holding(self) -> bool:
        assert self._lock_connection is not None
        try:
            await self._lock_connection.execute(text("SELECT 1"))
            return True
        except Exception:
            await self._release()
            return False

    async def _release(self) -> None:
        connection, self._lock_connection = self._lock_connection, None
        self.is_leader = False
        if connection is None:
            return
        try:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.lock_key})
        except Exception:
            log.debug("advisory unlock failed; closing the connection frees the lock", exc_info=True)
        finally:
            await connection.close()


def configured_worker(services: Services, registry: Schedule) -> Worker:
    """A worker as ``[scheduler]`` says (``services.settings.scheduler``): its dispatch interval and
    concurrency, and the platforms paced at its rates (shared by every process on PostgreSQL)."""
    limiter = pacing(services.db, services.settings.scheduler)
    return Worker(services, registry, dispatcher=Dispatcher(services, limiter=limiter))


@asynccontextmanager
async def running(services: Services, registry: Schedule) -> AsyncIterator[Worker]:
    """The worker of ``parvis serve`` / ``parvis worker`` (the hook ``bots/bootstrap.py`` calls)."""
    worker = configured_worker(services, registry)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()
