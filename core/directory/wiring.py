"""What the directory brings to the registry: the role commands, and the renderer of the notices
telling members of a change made to them (``core.directory.notices``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.directory import notices, role_commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(role_commands.handlers)
    registry.add_renderer(notices.PURPOSE, notices.render)
