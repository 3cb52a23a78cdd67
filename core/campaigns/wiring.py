"""What campaigns bring to the registry: commands and clicks, the round jobs, the message renderers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.campaigns import (
    authoring_commands,
    commands,
    member_commands,
    messages,
    preferences,
    reopen_commands,
    rounds,
)

if TYPE_CHECKING:
    from core.registry import Registry

#: how often the leader looks for rounds to create, reminders to send and rounds to close
ROUND_JOB_SECONDS = 60.0


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers, reopen_commands.handlers)
    registry.add_handlers(member_commands.handlers)
    registry.add_handlers(authoring_commands.handlers)
    registry.add_job("campaigns.rounds", ROUND_JOB_SECONDS, rounds.materialise_due, leader_only=True)
    registry.add_job("campaigns.reminders", ROUND_JOB_SECONDS, rounds.send_reminders, leader_only=True)
    registry.add_job("campaigns.close", ROUND_JOB_SECONDS, rounds.close_due, leader_only=True)
    registry.add_batch_renderer("prompt", messages.render_prompts)
    registry.add_batch_renderer("reminder.1", messages.render_reminders)
    registry.add_batch_renderer("reminder.2", messages.render_second_reminders)
    registry.add_batch_renderer(preferences.LATER, messages.render_reminders)
    registry.add_batch_renderer("summary", messages.render_summaries)
