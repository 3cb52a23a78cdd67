"""The dispatcher: claims due outbox rows, renders them, sends them through the ``Messenger`` port.

Exactly-once, as far as a platform without idempotency keys allows (Slack's ``chat.postMessage`` has
none):

1. **Claim** in a short transaction of its own: due rows (``pending`` with ``next_attempt_at <= now``)
   become ``sending`` with ``attempts + 1``, ``claimed_at``, ``claimed_by`` and a fresh
   ``claim_token``, and the transaction
   commits *before* the platform is called. On PostgreSQL the candidate rows are selected ``FOR UPDATE
   SKIP LOCKED``, so several processes claim disjoint rows without waiting on each other; on SQLite
   the single ``UPDATE … RETURNING`` runs under the database's one write lock, which is as atomic.
2. **Send**: the row is rendered (at send time, so late opt-outs count), a token is taken from the
   rate limiter, and the messenger is called. The dispatcher, not the HTTP client, decides retries.
3. **Record** in another short transaction: ``sent`` with the platform's message reference, or
   ``skipped``, or ``failed`` (permanent), or back to ``pending`` at a later ``next_attempt_at`` —
   only if the row still holds this claim's token: an outcome whose claim expired meanwhile (the row
   was recovered, perhaps sent again by another dispatcher) is dropped and logged, never written over
   the newer one. One outcome that cannot be written fails alone: the batch's other sends go on.

A crash (kill -9) between 1 and 3 leaves rows in ``sending``; once their lease has expired they are
handed out again. That is the only duplicate window: at most the sends in flight at the crash, i.e.
``concurrency``.

A claim never outlives its lease while its dispatcher runs: pacing waits at most what the lease
leaves once a send's share (``SEND_SHARE``) and the outcome's (``SETTLE_SHARE``) are set aside — a
longer wait, such as a platform's ``Retry-After`` of an hour, gives the row back to the outbox due
when the platform allows, its attempt not counted — and the send itself is cut short (then retried)
if it would run into the outcome's share. A ``Retry-After`` is followed up to ``max_backoff``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from contextlib import AbstractAsyncContextManager, nullcontext
from contextvars import ContextVar
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.delivery.claims import claim_due, claim_ids, recover_expired
from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing
from core.delivery.outcomes import Outcome, OutcomeWriter
from core.delivery.ratelimit import RateLimiter
from core.delivery.rendering import Rendered, render_rows
from core.errors import DeliveryError
from core.ports import ConversationRef, GroupAddress, MemberAddress, Messenger, Progress, SentMessage

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

#: the outcome writer of the dispatch run the current task belongs to (none: write at once)
_RUN_WRITER: ContextVar[tuple[Dispatcher, OutcomeWriter] | None] = ContextVar("run_writer", default=None)
#: how long a send may wait for the pace in this task: a command's own sends (``send_now``) do not
#: keep the member waiting, the dispatch loop's may wait as long as their claim allows
_PATIENCE: ContextVar[float | None] = ContextVar("patience", default=None)
#: the pace a command's own sends wait for at most, before going back to the outbox for the worker
IMMEDIATE_PATIENCE = 1.0
DEFAULT_LEASE = timedelta(minutes=5)
#: the last part of a lease, kept to record the outcome before the row may be recovered
SETTLE_SHARE = 0.1
#: the part of a lease a send may take once paced (HTTP timeouts are well under it): a row that
#: would have to wait for the rate limiter beyond the rest goes back to the outbox instead
SEND_SHARE = 0.2
ERROR_LENGTH = 500


def process_name() -> str:
    """A claimant name unique to this process run: host, pid and a random suffix."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """Sends due deliveries with at most ``concurrency`` sends in flight (by default
    ``[scheduler] dispatch_concurrency``, from ``services.settings``).

    ``limiter`` paces sends per platform and workspace; ``lease`` is how long a ``sending`` row may
    stay claimed before it is presumed orphaned by a crash; failures other than permanent ones and
    rate limits are retried with exponential backoff and jitter (``base_backoff`` doubling up to
    ``max_backoff``), at most ``max_attempts`` attempts in all.
    """

    def __init__(self, services: Services, *, concurrency: int | None = None,
                 limiter: RateLimiter | None = None,
                 lease: timedelta = DEFAULT_LEASE, max_attempts: int = 6,
                 base_backoff: timedelta = timedelta(seconds=30), max_backoff: timedelta = timedelta(hours=1),
                 max_rate_limited: int = 50, name: str | None = None,
                 rng: random.Random | None = None) -> None:
        self.services = services
        if concurrency is None:
            concurrency = services.settings.scheduler.dispatch_concurrency
        self.concurrency = max(1, concurrency)
        self.limiter = limiter or RateLimiter.unlimited()
        self.lease = lease
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.max_rate_limited = max_rate_limited
        self.name = name or process_name()
        self.rng = rng or random.Random()
        self.in_flight = 0
        self._stopping = False
        self._slots = asyncio.Semaphore(self.concurrency)
        self._settled = 0
        # SQLite has one writer at a time and a waiting writer polls with sleeps of up to 100 ms:
        # this process's own writes (claims, outcomes) queue on a lock instead of contending.
        self._sqlite_writes = asyncio.Lock() if services.db.dialect == "sqlite" else None

    def stop(self) -> None:
        """Claim nothing more; rows already claimed are still sent and recorded (graceful stop)."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def _writing(self) -> AbstractAsyncContextManager[Any]:
        return self._sqlite_writes or nullcontext()

    def _now(self) -> datetime:
        return self.services.clock.now()

    async def run_once(self) -> int:
        """Send every delivery that is due now; returns how many rows were settled (sent, skipped,
        failed or rescheduled). Rows that fall due while it runs are picked up too.

        Rows are claimed only for idle send slots, so every ``sending`` row of this process is a send
        in flight: at most ``concurrency`` of them, which bounds both a crash's duplicates and how long
        a claimed row can wait behind the rate limiter.
        """
        await self.recover()
        self._slots = asyncio.Semaphore(self.concurrency)
        self._settled = 0
        writer = OutcomeWriter(self.services.db, self._sqlite_writes)
        running = _RUN_WRITER.set((self, writer))  # this run's tasks record through its writer
        try:
            async with asyncio.TaskGroup() as outer:
                outer.create_task(writer.run())
                try:
                    async with asyncio.TaskGroup() as batches:
                        while not self._stopping and (rows := await self._claim_for_idle_slots()):
                            batches.create_task(self._send_batch(rows, self._slots))
                finally:
                    writer.close()
        finally:
            _RUN_WRITER.reset(running)
        return self._settled

    async def send_now(self, ids: list[int]) -> int:
        """Send these rows at once if they are still pending and due — a command's messages, right
        after the commit that wrote them, ahead of any campaign round waiting in the outbox. Rows
        another dispatcher claimed first are left to it; a row the pace would hold back more than
        ``IMMEDIATE_PATIENCE`` goes back to the outbox for the dispatch loop, and a failed send stays
        there, retried like any other. Returns how many rows were settled."""
        if self._stopping or not ids:
            return 0
        async with self._writing():
            rows = await claim_ids(self.services.db, self.name, self._now(), ids)
        patient = _PATIENCE.set(IMMEDIATE_PATIENCE)  # a row the pace holds back goes to the worker
        try:
            return await self._send_batch(rows) if rows else 0
        finally:
            _PATIENCE.reset(patient)

    async def _send_batch(self, rows: list[Delivery], slots: asyncio.Semaphore | None = None) -> int:
        """Render a claimed batch, then send its rows concurrently (while the next batch is claimed);
        returns how many were settled."""
        try:
            rendered = await self.render(rows)
        except Exception as error:  # noqa: BLE001 — the database failed: retry the rows later
            log.exception("rendering %d deliveries failed", len(rows))
            rendered = [error] * len(rows)
        async with asyncio.TaskGroup() as sends:
            tasks = [sends.create_task(self._send_one(row, outgoing, slots))
                     for row, outgoing in zip(rows, rendered, strict=True)]
        return sum(task.result() for task in tasks)

    async def _send_one(self, row: Delivery, rendered: Rendered, slots: asyncio.Semaphore | None) -> bool:
        """One row, whatever happens: an error here must not cancel its batch's other sends."""
        try:
            await self.deliver(row, rendered)
            self._settled += 1
            return True
        except Exception:  # noqa: BLE001 — the row stays 'sending' and is recovered after its lease
            log.exception("delivery %s: sending failed unexpectedly", row.id)
            return False
        finally:
            if slots is not None:
                slots.release()

    async def _claim_for_idle_slots(self) -> list[Delivery]:
        """Wait for a quarter of the send slots to be idle, take every idle one, claim as many rows:
        claiming and rendering cost per batch, so a busy dispatcher claims a few rows at a time."""
        wanted = max(1, self.concurrency // 4)
        free = 0
        while free < wanted or not self._slots.locked():
            await self._slots.acquire()
            free += 1
        return await self._claim_or_release(self._slots, free)

    async def _claim_or_release(self, slots: asyncio.Semaphore, free: int) -> list[Delivery]:
        rows: list[Delivery] = []
        try:
            if not self._stopping:  # stopped while waiting for slots: claim nothing more
                rows = await self.claim(free)
        finally:
            for _ in range(free - len(rows)):
                slots.release()
        return rows

    async def recover(self) -> int:
        """Rows left ``sending`` longer than the lease (their dispatcher crashed) become due again."""
        async with self._writing():
            count = await recover_expired(self.services.db, self._now(), self.lease)
        if count:
            log.warning("recovered %d deliveries stuck in 'sending' (a dispatcher stopped mid-send)", count)
        return count

    async def claim(self, limit: int) -> list[Delivery]:
        """Mark up to ``limit`` due rows ``sending`` for this process and commit, before any send."""
        async with self._writing():
            return await claim_due(self.services.db, self.name, self._now(), limit)

    async def render(self, rows: list[Delivery]) -> list[Rendered]:
        """Render claimed rows right before they are sent (``core.delivery.rendering.render_rows``)."""
        return await render_rows(self.services.db, self.services.renderers, rows, self.services.settings)

    async def deliver(self, delivery: Delivery, rendered: Rendered) -> str:
        """Pace, send and record one claimed, rendered row; returns its new status."""
        self.in_flight += 1
        try:
            if isinstance(rendered, BaseException):
                return await self._retry(delivery, f"render failed: {type(rendered).__name__}")
            if isinstance(rendered, str):
                return await self._fail(delivery, rendered)
            if rendered is None:
                return await self._settle(delivery, status="skipped", last_error=None)
            return await self._send(delivery, rendered)
        finally:
            self.in_flight -= 1

    def _time_left(self, delivery: Delivery) -> float:
        """Seconds this claim may still spend before its send must be over: the lease, less the share
        kept to record the outcome before another dispatcher may recover the row."""
        claimed = delivery.claimed_at or self._now()
        return (claimed + self.lease * (1 - SETTLE_SHARE) - self._now()).total_seconds()

    async def _send(self, delivery: Delivery, outgoing: Outgoing) -> str:
        address = outgoing.address
        messenger = self.services.messenger(address.platform)
        if messenger is None:
            return await self._fail(delivery, f"no messenger for platform {address.platform!r}")
        channel = address.channel if isinstance(address, ConversationRef) else None
        allowance = self.lease.total_seconds() * SEND_SHARE
        budget = self._time_left(delivery) - allowance
        if (patience := _PATIENCE.get()) is not None:
            budget = min(budget, patience)
        if budget < 0 or not await self.limiter.acquire(address.platform, address.tenant, channel,
                                                         budget=budget):
            wait = self.limiter.delay(address.platform, address.tenant, channel)
            return await self._release(delivery, wait, address.platform)
        try:
            async with asyncio.timeout(max(self._time_left(delivery), 0.0)) as deadline:
                sent = await self._call(messenger, outgoing, delivery)
        except DeliveryError as error:
            return await self._failed_send(delivery, address, error)
        except TimeoutError as error:
            if deadline.expired():
                return await self._retry(delivery, "the send did not finish within its claim's lease")
            return await self._retry(delivery, f"{type(error).__name__}: {error}")
        except Exception as error:  # noqa: BLE001 — an adapter bug must not stop the other sends
            log.exception("delivery %s: unexpected error from the %s messenger",
                          delivery.id, address.platform)
            return await self._retry(delivery, f"{type(error).__name__}: {error}")
        return await self._sent(delivery, sent)

    @staticmethod
    async def _call(messenger: Messenger, outgoing: Outgoing, delivery: Delivery) -> SentMessage:
        """Send from where an earlier attempt stopped (the page cursor in ``message_ref``); whatever
        happens, the row as this claim knows it keeps how far the send got, for the outcome."""
        address = outgoing.address
        if outgoing.replace is not None:  # one part: an update is all or nothing
            await messenger.update(outgoing.replace, outgoing.reply)
            return outgoing.replace
        progress = Progress.from_ref(delivery.message_ref)
        try:
            if isinstance(address, MemberAddress):
                return await messenger.send_direct(address, outgoing.reply, progress)
            if isinstance(address, GroupAddress):
                return await messenger.send_group(address, outgoing.reply, progress)
            return await messenger.post(address, outgoing.reply, progress)
        finally:
            delivery.message_ref = progress.as_ref() or delivery.message_ref

    async def _release(self, delivery: Delivery, wait: float, platform: str) -> str:
        """Give the row back unsent, due once the platform allows, its attempt not counted: a claim
        never waits for a rate limit longer than its lease."""
        delay = timedelta(seconds=max(wait, 1.0))
        reason = f"{platform} rate limit: given back to the outbox for {delay.total_seconds():.0f} s"
        return await self._settle(delivery, status="pending", last_error=reason, uncount=True,
                                  next_attempt_at=self._now() + delay)

    async def _failed_send(self, delivery: Delivery, address: MemberAddress | ConversationRef | GroupAddress,
                           error: DeliveryError) -> str:
        if error.permanent:
            return await self._fail(delivery, error.reason)
        if error.retry_after is not None:
            wait = min(error.retry_after, self.max_backoff.total_seconds())  # "in ten days" is not a plan
            channel = address.channel if isinstance(address, ConversationRef) else None
            await self.limiter.pause(address.platform, address.tenant, wait, channel)
            if delivery.attempts >= self.max_rate_limited:
                return await self._fail(delivery, f"still rate limited after {delivery.attempts} attempts")
            return await self._reschedule(delivery, timedelta(seconds=wait), f"rate limited: {error.reason}")
        return await self._retry(delivery, error.reason)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with jitter: half to all of ``base * 2**(attempts-1)``, capped."""
        ceiling = min(self.max_backoff, self.base_backoff * (1 << max(0, attempts - 1)))  # 2**(attempts-1)
        return ceiling * self.rng.uniform(0.5, 1.0)

    async def _retry(self, delivery: Delivery, reason: str) -> str:
        if delivery.attempts >= self.max_attempts:
            return await self._fail(delivery, f"gave up after {delivery.attempts} attempts: {reason}")
        return await self._reschedule(delivery, self.backoff(delivery.attempts), reason)

    async def _reschedule(self, delivery: Delivery, delay: timedelta, reason: str) -> str:
        return await self._settle(delivery, status="pending", last_error=reason,
                                  next_attempt_at=self._now() + delay)

    async def _fail(self, delivery: Delivery, reason: str) -> str:
        log.warning("delivery %s failed for good: %s", delivery.id, reason)
        return await self._settle(delivery, status="failed", last_error=reason)

    async def _sent(self, delivery: Delivery, sent: SentMessage) -> str:
        reference = asdict(sent) | {"parts": max(1, int(delivery.message_ref.get("parts", 1)))}
        return await self._settle(delivery, status="sent", last_error=None, message_ref=reference,
                                  sent_at=self._now())

    async def _settle(self, delivery: Delivery, *, status: str, last_error: str | None,
                      **values: Any) -> str:
        """Record the outcome of a claimed row: batched with others while a round is under way.

        Written only under the row's claim token (a claim that expired meanwhile is dropped, the
        newer outcome stands). A failure to write is logged, never raised: the other sends of the
        batch go on, and the row, still ``sending``, is recovered once its lease expires."""
        assert delivery.id is not None and delivery.claim_token is not None
        values.setdefault("message_ref", delivery.message_ref)  # a page cursor outlives a retry
        outcome = Outcome(delivery.id, delivery.claim_token, status,
                          last_error[:ERROR_LENGTH] if last_error else None, **values)
        running = _RUN_WRITER.get()
        try:
            if running is not None and running[0] is self:
                await running[1].record(outcome)
            else:
                await OutcomeWriter(self.services.db, self._sqlite_writes).write_now(outcome)
        except Exception:  # noqa: BLE001 — see the docstring: never cancel the batch's other sends
            log.exception("delivery %s: could not record its outcome %r; it is retried once its lease "
                          "expires", delivery.id, status)
        return status


async def dispatch_due(services: Services) -> int:
    """Send what is due with default settings (the ``outbox.dispatch`` job of ``core.delivery.wiring``);
    the ``Worker`` runs its own configured ``Dispatcher`` under this job's name instead."""
    return await Dispatcher(services).run_once()
