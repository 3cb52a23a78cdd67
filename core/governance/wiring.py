"""What governance brings to the registry: ``charter``, its *Accept* button, and ``audit``.

The gate itself (pilot, areas, charter) is no command: the router asks ``core.governance.gate``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.governance import commands

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(commands.handlers)
