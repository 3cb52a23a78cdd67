"""Periodic jobs: work the scheduler runs every few seconds (dispatch, reminders, closes, deadlines).

Features register their job here with ``@periodic(...)``; ``core/scheduler.py`` runs every registered
job. Jobs take the process ``Services``, read what is due from the database and must be safe to run
in several processes at once and to repeat: the database, not the job, holds the state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.services import Services

JobFunction = Callable[["Services"], Awaitable[Any]]


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every ``seconds``; ``leader_only`` jobs run in one process at a time."""

    name: str
    seconds: float
    function: JobFunction
    leader_only: bool = False


PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, seconds: float, *, leader_only: bool = False) -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` to run every ``seconds`` under ``name``."""

    def register(function: JobFunction) -> JobFunction:
        PERIODIC_JOBS[name] = PeriodicJob(name, seconds, function, leader_only)
        return function

    return register
