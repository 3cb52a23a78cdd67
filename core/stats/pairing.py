"""Coffee pairing in the period: rounds started, pairs made, and how many pairs said they met.

Counts only: which groups' pairings are counted is the scope (its groups, or every group for the
organisation); no pair and no person is named.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlmodel import col, distinct, func, select

from core.pairing.models import Pairing, PairingRound
from core.runtime.db import UnitOfWork
from core.stats.figures import PairingFigures


async def figures(uow: UnitOfWork, groups: tuple[int, ...] | None, first: datetime,
                  end: datetime) -> PairingFigures:
    """Rounds started in ``[first, end)`` in ``groups`` (``None``: every group), their pairs and
    the pairs that met."""
    met = func.sum(case((col(Pairing.outcome) == "met", 1), else_=0))
    statement = (select(func.count(distinct(col(PairingRound.id))), func.count(col(Pairing.id)), met)
                 .select_from(PairingRound).join(Pairing, col(Pairing.round_id) == col(PairingRound.id))
                 .where(col(PairingRound.started_at) >= first, col(PairingRound.started_at) < end))
    if groups is not None:
        statement = statement.where(col(PairingRound.group_id).in_(groups))
    rounds, pairs, done = (await uow.session.exec(statement)).one()
    return PairingFigures(int(rounds or 0), int(pairs or 0), int(done or 0))
