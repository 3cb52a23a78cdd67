"""What moderation brings to the registry: ``moderation report``, the report shortcut's action, the
moderators' decisions, and the renderers of what it sends through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.moderation import commands, rendering, service

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_renderer(service.TO_MODERATOR, rendering.to_moderator)
    registry.add_renderer(service.TO_REPORTER, rendering.to_reporter)
    registry.add_renderer(service.TO_AUTHOR, rendering.to_author)
