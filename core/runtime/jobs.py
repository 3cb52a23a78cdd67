"""Periodic jobs: work the scheduler runs every few seconds (dispatch, reminders, closes, deadlines).

A capability adds its jobs to the process's registry (``registry.add_job(...)`` in its ``wiring.py``);
``core.runtime.scheduler.Worker`` runs every job of the registry it is built with. Jobs take the process
``Services``, read what is due from the database and must be safe to run in several processes at once
and to repeat: the database, not the job, holds the state.
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
