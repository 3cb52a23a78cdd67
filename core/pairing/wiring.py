"""What coffee pairing brings to the registry: its commands and clicks, the round and reminder
jobs, the renderers of its outbox rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.pairing import commands, intros, rounds

if TYPE_CHECKING:
    from core.registry import Registry

#: how often the leader looks for pairing rounds to make and reminders to queue
ROUND_JOB_SECONDS = 60.0


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_job("pairing.rounds", ROUND_JOB_SECONDS, rounds.make_due, leader_only=True)
    registry.add_job("pairing.reminders", ROUND_JOB_SECONDS, rounds.remind_due, leader_only=True)
    registry.add_renderer(rounds.INTRO, intros.render)
    registry.add_renderer(rounds.REMINDER, intros.render)
    registry.add_renderer(rounds.TOO_FEW, intros.render_too_few)
