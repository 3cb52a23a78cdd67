"""What statistics bring to the registry: ``stats`` (its charts, when Teams fetches them by URL, are
kept by ``core.downloads``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.stats import commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
