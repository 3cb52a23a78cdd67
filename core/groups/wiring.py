"""What groups bring to the registry: the group commands and the Join / Leave buttons, and the
renderer of announcements (``core.groups.announcements``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.groups import announcements, commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
    registry.add_renderer(announcements.PURPOSE, announcements.render)
