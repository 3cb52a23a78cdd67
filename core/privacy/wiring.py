"""What privacy brings to the registry: ``privacy export``, ``privacy delete`` and its confirmation
button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.privacy import commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
