"""Recording what became of claimed outbox rows: sent, skipped, failed, or due again later.

An outcome is written only by the claim that sent its row (``claim_token``, checked in the
``UPDATE``), and outcomes are written in batches by one ``OutcomeWriter`` per dispatch run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Table, bindparam, func, update

from core.delivery.models import Delivery
from core.runtime.columns import UTCDateTime

if TYPE_CHECKING:
    from core.runtime.db import Database

log = logging.getLogger(__name__)

_DELIVERY: Table = Delivery.__table__  # type: ignore[attr-defined]  # SQLModel sets it, does not declare it
#: an outcome lands only on the claim that sent it: same token, still ``sending``. A claim that
#: expired was recovered (token cleared) and maybe claimed again (new token): its outcome is stale.
_outcome = (
    update(_DELIVERY)
    .where(_DELIVERY.c.id == bindparam("b_id"), _DELIVERY.c.claim_token == bindparam("b_token"),
           _DELIVERY.c.status == "sending")
    .values(status=bindparam("b_status"), last_error=bindparam("b_error"),
            next_attempt_at=func.coalesce(bindparam("b_next", type_=UTCDateTime()),
                                          _DELIVERY.c.next_attempt_at),
            attempts=_DELIVERY.c.attempts - bindparam("b_uncount"),
            message_ref=bindparam("b_ref", type_=JSON()), sent_at=bindparam("b_sent", type_=UTCDateTime()),
            claimed_at=None, claimed_by=None, claim_token=None)
)

#: one outcome written on its own (``write_now`` of a single outcome): landed if it returns its row
_one_outcome = _outcome.returning(_DELIVERY.c.id)


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row (``next_attempt_at`` only when it goes back to ``pending``).

    ``claim_token`` is the token of the claim that sent it; ``uncount`` gives the attempt back when the
    row was released unsent (its platform asked to wait longer than the claim could)."""

    delivery_id: int
    claim_token: str
    status: str
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    message_ref: Mapping[str, Any] = field(default_factory=dict)
    sent_at: datetime | None = None
    uncount: bool = False

    def params(self) -> dict[str, Any]:
        return {"b_id": self.delivery_id, "b_token": self.claim_token, "b_status": self.status,
                "b_error": self.last_error, "b_next": self.next_attempt_at, "b_ref": dict(self.message_ref),
                "b_sent": self.sent_at, "b_uncount": int(self.uncount)}


class OutcomeWriter:
    """Records outcomes of sends in as few transactions as the database allows.

    ``record`` returns once the outcome is committed — ``True``, or ``False`` when it was dropped
    because its claim was lost (the lease expired and the row was recovered, maybe sent again by
    another dispatcher: the newer outcome stands). Outcomes that arrive while a write is under way
    within ``linger`` seconds are written together in one transaction, so a busy dispatcher commits a
    few dozen times per second instead of once per message. If that transaction fails, each outcome
    is tried again in a transaction of its own, so one bad outcome fails alone. The caller keeps its
    send slot until ``record`` returns, so rows sent but not yet recorded stay within the in-flight
    bound.
    """

    def __init__(self, db: Database, lock: asyncio.Lock | None = None, linger: float = 0.02) -> None:
        self.db = db
        self.lock = lock
        self.linger = linger
        self._queue: list[tuple[Outcome, asyncio.Future[bool]]] = []
        self._wake = asyncio.Event()
        self._closed = False

    async def record(self, outcome: Outcome) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((outcome, future))
        self._wake.set()
        return await future

    def close(self) -> None:
        """Write what is queued, then let ``run`` return."""
        self._closed = True
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            if not self._closed:
                await asyncio.sleep(self.linger)  # let the outcomes of concurrent sends gather
            self._wake.clear()
            batch, self._queue = self._queue, []
            if batch:
                await self._write(batch)
            if self._closed and not self._queue:
                return

    async def write_now(self, *outcomes: Outcome) -> list[bool]:
        """Record outcomes at once, in one transaction; whether each was written (``False``: its claim
        was lost, and it was dropped).

        One outcome alone (a command's own message, sent right after it) is one statement that
        commits on its own (``UnitOfWork.write``): on SQLite in the loop's thread, on PostgreSQL in
        autocommit, one round trip instead of ``BEGIN``, the ``UPDATE`` and ``COMMIT``. The
        ``UPDATE`` is atomic either way; what it checks (the claim's token) is in its ``WHERE``."""
        written: list[bool] = []
        async with self.lock or nullcontext(), self.db.uow() as uow:
            if len(outcomes) == 1:
                uow.may_write_alone()
                written.append(bool(await uow.write(_one_outcome, outcomes[0].params(), last=True)))
            else:
                for outcome in outcomes:
                    result = await uow.session.exec(_outcome, params=outcome.params())
                    written.append(bool(getattr(result, "rowcount", 0)))
            await uow.commit()
        for outcome, landed in zip(outcomes, written, strict=True):
            if not landed:
                log.warning("delivery %s: outcome %r dropped: its claim was lost (the lease expired and "
                            "the row was recovered); the newer outcome stands", outcome.delivery_id,
                            outcome.status)
        return written

    async def _write(self, batch: list[tuple[Outcome, asyncio.Future[bool]]]) -> None:
        try:
            written = await self.write_now(*(outcome for outcome, _ in batch))
        except Exception:  # noqa: BLE001 — one bad outcome must not sink the others: one by one
            log.warning("writing %d outcomes together failed; writing them one by one", len(batch),
                        exc_info=True)
            for item in batch:
                await self._write_alone(*item)
            return
        for (_, future), landed in zip(batch, written, strict=True):
            if not future.done():
                future.set_result(landed)

    async def _write_alone(self, outcome: Outcome, future: asyncio.Future[bool]) -> None:
        try:
            (landed,) = await self.write_now(outcome)
        except Exception as error:  # noqa: BLE001 — handed to its waiter; the row stays 'sending'
            if not future.done():
                future.set_exception(error)
            return
        if not future.done():
            future.set_result(landed)
