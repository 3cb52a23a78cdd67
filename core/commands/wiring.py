"""What the commands package brings to the registry: the commands about Parvis itself (help, lang).

The commands of later releases are ``core.commands.later.register``, run after every capability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.commands import general

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_handlers(general.handlers)
