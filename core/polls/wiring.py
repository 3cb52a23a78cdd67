"""What quick polls bring to the registry: ``poll``, its vote and close buttons, the renderers of
its message (posted, then updated)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.polls import commands, updates

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_renderer(updates.POST, updates.render_post)
    registry.add_renderer(updates.UPDATE, updates.render_update)
