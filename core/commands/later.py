"""Commands of the grammar whose features come in later releases.

They are registered so that the grammar, the help and "did you mean" already know them, and they
answer honestly that the feature is not available yet instead of "unknown command".
"""

from __future__ import annotations

from core.commands.context import Context
from core.commands.grammar import COMMANDS, Args, command
from core.messages import Reply

LATER: tuple[tuple[str, ...], ...] = (
    ("expert", "add"), ("expert", "remove"), ("expert", "me"), ("expert", "find"), ("expert", "away"),
    ("expert", "back"), ("ask",), ("question", "list"), ("question", "close"),
    ("campaign", "list"), ("campaign", "new"), ("campaign", "show"), ("campaign", "start"),
    ("campaign", "pause"), ("campaign", "resume"), ("campaign", "close"), ("campaign", "report"),
    ("campaign", "optout"), ("campaign", "optin"),
    ("group", "pairing"), ("pairing", "join"), ("pairing", "leave"), ("pairing", "pause"),
    ("stats",), ("charter",), ("privacy", "export"), ("privacy", "delete"),
    ("role", "grant"), ("role", "revoke"), ("moderation", "report"),
)


def _not_yet(path: tuple[str, ...]) -> None:
    name = " ".join(path)

    if path in COMMANDS:  # the real feature is registered: keep it
        return

    @command(*path)
    async def handler(ctx: Context, args: Args) -> Reply:
        return Reply(text=ctx.t("errors.not_available", command=name), error=True)


for _path in LATER:
    _not_yet(_path)
