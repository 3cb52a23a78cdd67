"""The outbox: what must be sent, written in the same transaction as the decision to send it.

A campaign round *materialises* one ``Delivery`` row per (purpose, target) with ``enqueue``; the
dispatcher (``core/dispatcher.py``) later claims due rows and sends them. Writing rows instead of
sending directly is what makes delivery exactly-once across restarts, crashes and several processes:

- ``enqueue`` is idempotent (``INSERT … ON CONFLICT DO NOTHING`` on the unique constraint), so a
  round materialised twice — by a retry, or by two processes racing — yields one row per target;
- the message is *rendered at send time* by the renderer registered for the row's ``purpose``, so a
  member who opted out, was erased or left the group in the meantime is skipped (renderer returns
  ``None``), and the message is in the member's current language.

A capability adds its renderers to the process's registry in its ``wiring.py``, one row at a time or a
batch at a time (``core.registry.Registry``)::

    registry.add_renderer("prompt", render_prompt)          # (uow, delivery, settings) -> Outgoing | None
    registry.add_batch_renderer("prompt", render_prompts)   # (uow, deliveries, settings) -> list[…]
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import JSON, Table, bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.delivery.models import Delivery
from core.directory.models import Identity, Member
from core.messages import Reply
from core.ports import ConversationRef, MemberAddress
from core.runtime.columns import UTCDateTime

if TYPE_CHECKING:
    from core.runtime.db import Database, UnitOfWork
    from core.settings import Settings

log = logging.getLogger(__name__)

TargetKind = Literal["member", "channel"]
#: rows per INSERT statement: keeps each statement well under SQLite's bound-parameter limit
BATCH_SIZE = 500


@dataclass(frozen=True)
class Target:
    """Who a delivery goes to: a member (``id`` is the member id as text) or a channel (an opaque key
    the feature's renderer understands, e.g. a ``GroupChannel`` id)."""

    kind: TargetKind
    id: str

    @classmethod
    def member(cls, member_id: int) -> Target:
        return cls("member", str(member_id))

    @classmethod
    def channel(cls, key: str | int) -> Target:
        return cls("channel", str(key))

    @property
    def member_id(self) -> int | None:
        """The member id of a member target, else ``None``."""
        return int(self.id) if self.kind == "member" else None


@dataclass(frozen=True)
class Outgoing:
    """A rendered delivery: where to send (a member's direct conversation or a channel) and what."""

    address: MemberAddress | ConversationRef
    reply: Reply


#: renders one outbox row at send time. It gets a read-only unit of work, the claimed ``Delivery``
#: (``round_id``, ``target_kind``, ``target_id``, ``payload``) and the process's ``Settings`` (the
#: server secret, the anonymity minimum…), and returns an ``Outgoing``, or ``None``
#: to skip the row for good (member opted out, erased, left the audience, round closed…). It must not
#: write: the dispatcher does not commit its unit of work.
Renderer = Callable[["UnitOfWork", Delivery, "Settings"], Awaitable[Outgoing | None]]
#: renders every claimed row of one purpose at once and returns one result per row, in order — so a
#: batch of recipients costs a few queries, not a few per recipient (see ``addresses_of``). Same rules
#: as ``Renderer``; a purpose's batch renderer takes precedence over its row renderer.
BatchRenderer = Callable[["UnitOfWork", list[Delivery], "Settings"], Awaitable[list[Outgoing | None]]]


async def addresses_of(uow: UnitOfWork, member_ids: Iterable[int]) -> dict[int, MemberAddress]:
    """Where to reach each member directly, in one query: like ``core.directory.members.address_of`` (the
    most recently created identity; erased members have none), for a batch of recipients."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    statement = (
        select(col(Identity.member_id), col(Identity.platform), col(Identity.tenant), col(Identity.user_id))
        .join(Member, col(Member.id) == col(Identity.member_id))
        .where(col(Identity.member_id).in_(ids), col(Member.erased_at).is_(None))
        .order_by(col(Identity.member_id), col(Identity.created_at).desc(), col(Identity.id).desc())
    )
    found: dict[int, MemberAddress] = {}
    for member_id, platform, tenant, user_id in (await uow.session.exec(statement)).all():
        found.setdefault(member_id, MemberAddress(platform=platform, tenant=tenant, user_id=user_id))
    return found


def target_of(delivery: Delivery) -> Target:
    """The ``Target`` a delivery row names."""
    kind: TargetKind = "member" if delivery.target_kind == "member" else "channel"
    return Target(kind, delivery.target_id)


def _rows(round_id: int, purpose: str, targets: Iterable[Target],
          due_at: datetime | Mapping[Target, datetime], payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[Target] = set()
    for target in targets:
        if target in seen:
            continue
        seen.add(target)
        due = due_at[target] if isinstance(due_at, Mapping) else due_at
        rows.append({"round_id": round_id, "purpose": purpose, "target_kind": target.kind,
                     "target_id": target.id, "status": "pending", "attempts": 0,
                     "next_attempt_at": due, "payload": dict(payload), "message_ref": {}})
    return rows


async def enqueue(
    uow: UnitOfWork,
    round_id: int,
    purpose: str,
    targets: Iterable[Target],
    due_at: datetime | Mapping[Target, datetime],
    *,
    payload: Mapping[str, Any] | None = None,
) -> int:
    """Materialise one pending delivery per target, due at ``due_at`` (one time, or one per target —
    each recipient's local 09:30). Returns how many rows were created: rows that already exist for
    (round, purpose, target) are left untouched, so calling this again is harmless.

    Runs in the caller's transaction: the rows appear only if the caller commits.
    """
    rows = _rows(round_id, purpose, targets, due_at, payload or {})
    dialect = uow.dialect
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = 0
    for start in range(0, len(rows), BATCH_SIZE):
        statement = (
            insert(Delivery)
            .values(rows[start:start + BATCH_SIZE])
            .on_conflict_do_nothing(index_elements=["round_id", "purpose", "target_kind", "target_id"])
            .returning(col(Delivery.id))
        )
        result = await uow.session.exec(statement)
        created += len(result.all())
    return created


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
        was lost, and it was dropped)."""
        written: list[bool] = []
        async with self.lock or nullcontext(), self.db.uow() as uow:
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
