"""What the directory brings to the registry: the role commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.directory import role_commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(role_commands.handlers)
