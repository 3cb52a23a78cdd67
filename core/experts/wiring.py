"""What experts bring to the registry: the expert, synonym and question commands and clicks, the job
that moves a question on when its expert's time is up, and the renderers of the messages a question
sends (``core.experts.notices``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.experts import expert_commands, notices, question_commands, routing, synonym_commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(expert_commands.handlers, question_commands.handlers, synonym_commands.handlers)
    registry.add_job("experts.deadlines", 30.0, routing.expire_due_questions)
    registry.add_renderer(notices.CARD, notices.render_card)
    registry.add_renderer(notices.CARD_UPDATE, notices.render_card_update)
    registry.add_renderer(notices.ANSWER, notices.render_answer)
    registry.add_renderer(notices.NOTICE, notices.render_notice)
