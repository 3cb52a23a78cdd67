"""Deliveries that gave up, for an admin to see and send again, and the outbox's figures.

A delivery fails for good when its platform refuses it for a reason no retry can fix (the bot was
removed from the channel, the user left) or after ``max_attempts`` transient failures. Nothing is
lost silently: ``outbox failed`` (chat, admins) and ``parvis outbox failed`` list them with their last
error, ``outbox retry`` / ``parvis outbox retry`` put them back in the outbox with their attempts
counted afresh (once the cause is fixed: the bot invited back, the platform up again), and
``/metrics`` counts them (``parvis_outbox_deliveries{status="failed"}``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select

from core.activity.models import AuditEntry
from core.delivery.models import Delivery
from core.directory.models import Member
from core.runtime.db import Database, UnitOfWork

#: the statuses ``counts`` reports: the rows still to do and those that gave up (sent and skipped
#: rows only grow, and say nothing about health)
WATCHED: tuple[str, ...] = ("pending", "sending", "failed")


@dataclass(frozen=True)
class Failed:
    """One delivery that gave up: what it was, for whom, and why."""

    id: int
    purpose: str
    source: str
    target_kind: str
    target_id: str
    #: the member's name for a member target (``None`` for a channel, or a member since erased)
    target_name: str | None
    attempts: int
    last_error: str

    @property
    def target(self) -> str:
        """Who it was for, as an admin reads it: the member's name, else the kind and key."""
        return self.target_name or f"{self.target_kind} {self.target_id}"


async def failed(uow: UnitOfWork, limit: int | None = None) -> tuple[list[Failed], int]:
    """The failed deliveries, newest first (at most ``limit``), and how many there are in all."""
    total = int((await uow.session.exec(select(func.count()).select_from(Delivery).where(
        Delivery.status == "failed"))).one())
    statement = select(Delivery).where(Delivery.status == "failed").order_by(col(Delivery.id).desc())
    rows = (await uow.session.exec(statement.limit(limit) if limit is not None else statement)).all()
    members = {int(row.target_id) for row in rows if row.target_kind == "member" and row.target_id.isdigit()}
    names = dict((await uow.session.exec(select(Member.id, Member.display_name).where(
        col(Member.id).in_(members), col(Member.erased_at).is_(None)))).all()) if members else {}
    return [Failed(int(row.id or 0), row.purpose, row.source, row.target_kind, row.target_id,
                   names.get(int(row.target_id)) if row.target_kind == "member" and row.target_id.isdigit()
                   else None,
                   row.attempts, row.last_error or "") for row in rows], total


async def retry(uow: UnitOfWork, ids: Sequence[int] | None, now: datetime, by: int | None) -> list[int]:
    """Put failed deliveries back in the outbox, due now, their attempts counted afresh: those of
    ``ids``, or every one when ``ids`` is ``None``. Returns the ids requeued (an id that is not a
    failed delivery is left alone); the admin ``by`` (``None``: the command line) is audited."""
    statement = (update(Delivery).where(col(Delivery.status) == "failed")
                 .values(status="pending", attempts=0, next_attempt_at=now)
                 .returning(col(Delivery.id)).execution_options(synchronize_session=False))
    if ids is not None:
        statement = statement.where(col(Delivery.id).in_(list(ids)))
    requeued = sorted(int(row_id) for row_id in (await uow.session.exec(statement)).scalars().all())
    if requeued:
        shown = ", ".join(map(str, requeued))
        uow.session.add(AuditEntry(actor_id=by, action="outbox.retry", target=shown[:255], at=now,
                                   detail={"ids": requeued, "via": "chat" if by is not None else "cli"}))
    return requeued


async def counts(uow: UnitOfWork) -> dict[str, int]:
    """How many deliveries are pending, being sent and failed (each status present, 0 included)."""
    statement = (select(Delivery.status, func.count()).where(col(Delivery.status).in_(WATCHED))
                 .group_by(col(Delivery.status)))
    found = {status: 0 for status in WATCHED}
    found.update({status: int(count) for status, count in (await uow.session.exec(statement)).all()})
    return found


# -- in transactions of their own: the command line and /metrics ----------------------------------------

async def list_failed(db: Database, limit: int | None = None) -> tuple[list[Failed], int]:
    """``failed``, read in a transaction of its own."""
    async with db.uow() as uow:
        return await failed(uow, limit)


async def requeue(db: Database, ids: Sequence[int] | None, now: datetime) -> list[int]:
    """``retry`` from the command line (audited without an actor), committed."""
    async with db.uow() as uow:
        requeued = await retry(uow, ids, now, by=None)
        await uow.commit()
    return requeued


async def figures(db: Database) -> dict[str, int]:
    """``counts``, read in a transaction of its own."""
    async with db.uow() as uow:
        return await counts(uow)
