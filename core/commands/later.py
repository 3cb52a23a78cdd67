"""Commands of the grammar whose features come in later releases.

They are registered so that the grammar, the help and "did you mean" already know them, and they
answer honestly that the feature is not available yet instead of "unknown command". ``register`` runs
last (``core.capabilities``) and only fills the paths no capability registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.commands.context import Context
from core.commands.grammar import Args, Command
from core.messages import Reply

if TYPE_CHECKING:
    from core.registry import Registry

LATER: tuple[tuple[str, ...], ...] = (
    ("expert", "add"), ("expert", "remove"), ("expert", "me"), ("expert", "find"), ("expert", "away"),
    ("expert", "back"), ("ask",), ("question", "list"), ("question", "close"),
    ("campaign", "list"), ("campaign", "new"), ("campaign", "show"), ("campaign", "start"),
    ("campaign", "pause"), ("campaign", "resume"), ("campaign", "close"), ("campaign", "report"),
    ("campaign", "optout"), ("campaign", "optin"),
    ("stats",),
    ("role", "grant"), ("role", "revoke"),
)


@dataclass(frozen=True)
class NotYet:
    """The handler of a command that comes later. A value, not a closure: two registries built the same
    way hold equal handlers, so they compare equal."""

    name: str

    async def __call__(self, ctx: Context, args: Args) -> Reply:
        return Reply(text=ctx.t("errors.not_available", command=self.name), error=True)


def register(registry: Registry) -> None:
    """Every path of ``LATER`` that no capability registered (the real feature keeps its own)."""
    for path in LATER:
        if path not in registry.commands:
            registry.add_command(Command(path, NotYet(" ".join(path))))
