"""The statements that hand outbox rows to dispatchers: claim due rows (or given ones), recover
expired claims.

A claim commits before any send (the row is ``sending`` with ``claimed_at``/``claimed_by`` and a
``claim_token`` of its own), so a crash leaves evidence; a claim older than the lease is presumed
orphaned and made due again, its token cleared: whatever its dispatcher reports later is dropped
(``core.delivery.outbox.OutcomeWriter`` writes an outcome only under the token of its claim).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, Integer, any_, cast, func, select, update
from sqlmodel import col

from core.delivery.models import Delivery

if TYPE_CHECKING:
    from core.runtime.db import Database


async def recover_expired(db: Database, now: datetime, lease: timedelta) -> int:
    """Rows ``sending`` since before ``now - lease`` become ``pending``, due now; returns how many."""
    statement = (
        update(Delivery)
        .where(col(Delivery.status) == "sending", col(Delivery.claimed_at) < now - lease)
        .values(status="pending", next_attempt_at=now, claimed_at=None, claimed_by=None, claim_token=None,
                last_error="recovered: claim expired without a result (dispatcher stopped)")
        .execution_options(synchronize_session=False)
    )
    async with db.uow() as uow:
        result = await uow.session.exec(statement)
        await uow.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def claim_due(db: Database, name: str, now: datetime, limit: int) -> list[Delivery]:
    """Mark up to ``limit`` due rows ``sending`` for claimant ``name`` under a fresh claim token and
    commit; returns them by id.

    One ``UPDATE … RETURNING`` whose candidate ids come from a scalar sub-select: on PostgreSQL
    ``array_agg`` of the due rows locked ``FOR UPDATE SKIP LOCKED``, evaluated once as an InitPlan
    (inside a plain ``WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` the planner may
    evaluate the sub-select more than once and claim more than ``n`` rows), so several processes
    claim disjoint rows in one round trip each; on SQLite the statement runs under the database's
    one write lock, which is as atomic. Due rows are read in ``next_attempt_at`` order only, so the
    ``(status, next_attempt_at)`` index yields them without sorting every pending row (``enqueue``
    always sets ``next_attempt_at``).
    """
    due = (
        select(col(Delivery.id))
        .where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) <= now)
        .order_by(col(Delivery.next_attempt_at))  # walks ix_delivery_due, stops after ``limit``
        .limit(limit)
    )
    if db.dialect == "postgresql":
        locked = due.with_for_update(skip_locked=True).subquery()
        ids = cast(select(func.array_agg(locked.c.id)).scalar_subquery(), ARRAY(Integer))
        chosen: Any = col(Delivery.id) == any_(ids)
    else:
        chosen = col(Delivery.id).in_(due.scalar_subquery())
    return await _claim(db, name, now, chosen)


async def claim_ids(db: Database, name: str, now: datetime, ids: list[int]) -> list[Delivery]:
    """Claim these rows if they are still pending and due (a command's own rows, sent right after its
    commit): a row another dispatcher claimed first is left to it."""
    if not ids:
        return []
    due = col(Delivery.next_attempt_at) <= now
    return await _claim(db, name, now, col(Delivery.id).in_(ids), due)


async def _claim(db: Database, name: str, now: datetime, *chosen: Any) -> list[Delivery]:
    """Mark the ``chosen`` rows that are pending ``sending`` under a fresh token, and commit."""
    statement = (
        update(Delivery)
        .where(*chosen, col(Delivery.status) == "pending")
        .values(status="sending", attempts=col(Delivery.attempts) + 1, claimed_at=now, claimed_by=name,
                claim_token=uuid.uuid4().hex)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    async with db.uow() as uow:
        rows = list((await uow.session.exec(statement)).scalars().all())
        await uow.commit()
    return sorted(rows, key=lambda row: row.id or 0)
