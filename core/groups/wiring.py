"""What groups bring to the registry: the group commands and the Join / Leave buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.groups import commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
