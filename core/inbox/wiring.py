"""What the inbox brings to the registry: the ``inbox`` command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.inbox import commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
