"""What came of a group's pairing: per round, how many pairs there were and how many said they met.

Shown to the group's managers in ``group info`` (``core.groups.commands``): one query over the
pairs of the last rounds, grouped by round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, case, func
from sqlmodel import col, select

from core.dates import format_day
from core.i18n import Translator
from core.pairing.models import Pairing, PairingParticipant, PairingRound, PairingSetup
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import model_columns, read_rows, untracked

SHOWN_ROUNDS = 6


@dataclass(frozen=True)
class RoundResult:
    """One round: its number, when it started, its pairs, and how many of them met."""

    index: int
    started: date
    pairs: int
    met: int

    @property
    def share(self) -> float:
        return self.met / self.pairs if self.pairs else 0.0


async def setup_of(uow: UnitOfWork, group_id: int) -> PairingSetup | None:
    return await uow.session.get(PairingSetup, group_id)


async def recent(uow: UnitOfWork, group_id: int, rounds: int = SHOWN_ROUNDS) -> list[RoundResult]:
    """The last ``rounds`` rounds that paired someone, most recent first."""
    met = func.sum(case((col(Pairing.outcome) == "met", 1), else_=0))
    statement = (
        select(col(PairingRound.index), col(PairingRound.started_at), func.count(col(Pairing.id)), met)
        .join(Pairing, col(Pairing.round_id) == col(PairingRound.id))
        .where(col(PairingRound.group_id) == group_id)
        .group_by(col(PairingRound.id), col(PairingRound.index), col(PairingRound.started_at))
        .order_by(col(PairingRound.index).desc()).limit(rounds))
    return [RoundResult(index, _day(started), int(pairs), int(done or 0))
            for index, started, pairs, done in (await uow.session.exec(statement)).all()]


def _day(started: datetime | str) -> date:
    """The day a round started (SQLite gives the column back as text when aggregated)."""
    return (datetime.fromisoformat(started) if isinstance(started, str) else started).date()


async def taking_part(uow: UnitOfWork, group_id: int) -> int:
    statement = select(func.count()).select_from(PairingParticipant).where(
        PairingParticipant.group_id == group_id)
    return int((await uow.session.exec(statement)).one())


@lru_cache(maxsize=1)
def _setup_statement() -> Any:
    """A group's pairing setup as columns: ``info_lines`` reads it as a row (``group info`` only
    reads; no transaction begun for it, no ORM loading)."""
    return select(*model_columns(PairingSetup)).where(
        col(PairingSetup.group_id) == bindparam("group", type_=Integer()))


async def info_lines(uow: UnitOfWork, group_id: int, t: Translator) -> list[str]:
    """``group info``'s lines for the group's managers: the pairing's settings and, per recent
    round, the share of pairs that met; nothing for a group that never had pairing."""
    found = await read_rows(uow, _setup_statement(), {"group": group_id})
    if not found:
        return []
    setup = untracked(PairingSetup, found[0])
    if not setup.enabled:
        lines = [t("pairing.info_off")]
    else:
        every = t.plural("schedule.weeks", setup.every_weeks)
        lines = [t.plural("pairing.info_settings", await taking_part(uow, group_id), size=setup.size,
                          every=every)]
    lines += [t("pairing.info_round", index=result.index, date=format_day(t.locale, result.started),
                met=result.met,
                pairs=result.pairs, share=f"{result.share:.0%}") for result in await recent(uow, group_id)]
    return lines
