"""A second Parvis process for the cross-process tests: ``python -m tests.chat_process URL EMAIL``.

It builds its own ``Services`` and ``CommandRouter`` (so its own vocabulary and reply caches) over the
database at URL, prints ``ready``, then runs each line of stdin as a command typed by EMAIL and prints
the reply as one JSON line (``title``, ``text``, ``sections``), flushed, until stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from core.capabilities import build_registry
from core.commands import Actor, Invocation
from core.commands.router import CommandRouter
from core.markup import plain
from core.runtime.db import Database
from core.services import Services
from tests.conftest import TEST_SETTINGS


async def main(url: str, email: str) -> None:
    db = Database(url)
    registry = build_registry()
    router = CommandRouter(Services(db=db, renderers=registry, settings=TEST_SETTINGS), registry)
    actor = Actor(platform="console", tenant="local", user_id=email, email=email, display_name=email)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        reply = await router.handle(Invocation(actor=actor, text=line.strip()))
        print(json.dumps({"title": reply.title, "text": plain(reply.text),
                          "sections": [plain(s.text) for s in reply.sections]}), flush=True)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
