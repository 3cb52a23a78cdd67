"""What experts bring to the registry: the expert, synonym and question commands and clicks, and the
job that moves a question on when its expert's time is up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.experts import expert_commands, question_commands, routing, synonym_commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(expert_commands.handlers, question_commands.handlers, synonym_commands.handlers)
    registry.add_job("experts.deadlines", 30.0, routing.expire_due_questions)
