"""Answers from memory: when a read-only command's reply may be reused, and keeping it fresh.

Why apart from the router: the router decides what runs and in which transaction; this module holds
the performance policy around it — which replies the reply cache (``core.runtime.reply_cache``) keeps,
under which key, when a kept reply is read again ahead of its expiry (refresh-ahead), and that a reply
answered from memory still counts as activity. A command opts in with ``cached=`` in its handler
table (``core.commands.grammar.Command.cached``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from core.commands.grammar import Args, Command
from core.commands.requests import Actor
from core.directory import members as directory
from core.errors import ParvisError
from core.messages import Reply
from core.ports import ConversationRef
from core.runtime.activity_log import activity_log
from core.runtime.reply_cache import Key, ReplyCache, key_of, reply_cache
from core.services import Services


@dataclass(frozen=True)
class Prepared:
    """A request whose member, command and cache key are known: computed once by the router and
    shared by the memory path and the run.

    ``found`` is the grammar's match of a typed command (``None`` for a click or a form, and when the
    grammar refused the text: ``error`` then holds why); ``key`` is set for commands whose reply
    may be kept."""

    actor: Actor
    channel: ConversationRef | None
    kind: str
    text: str
    who: directory.Resolution
    found: tuple[Command, Args] | None = None
    error: ParvisError | None = None
    key: Key | None = None

    @property
    def name(self) -> str:
        """The command's name as activity statistics record it."""
        return self.found[0].name if self.found is not None else self.text


def cache_key(found: tuple[Command, Args] | None, text: str, who: directory.Resolution) -> Key | None:
    """Where a command's reply is kept, or ``None`` if it is never kept."""
    if found is None or not found[0].cached:
        return None
    return key_of(found[0].name, found[0].cached, text, who)


#: re-reads a kept reply in the background; it returns the fresh reply, or ``None`` to keep nothing
Refill = Callable[[Prepared], Awaitable[Reply | None]]


class Memory:
    """The reply cache as the router uses it: recall with its activity event, keep after a read."""

    def __init__(self, services: Services, refill: Refill) -> None:
        self.services = services
        self.refill = refill

    @property
    def cache(self) -> ReplyCache:
        return reply_cache(self.services.db)

    def recall(self, request: Prepared, *, peek: bool = False) -> Reply | None:
        """The kept reply to ``request`` (counted as the member's activity), or ``None``;
        ``peek``: a miss is not counted (the run that follows counts it)."""
        if request.key is None:
            return None
        now = self.services.clock.now()
        reply = self.cache.get(request.key, now, lambda: self._refresh(request), peek=peek)
        if reply is not None:
            activity_log(self.services.db).add(directory.activity_event(
                request.who.member_id, request.actor, request.kind, request.name, now))
        return reply

    def keep(self, request: Prepared, reply: Reply, generation: int, now: datetime) -> None:
        """Keep the reply of a command that only read, as of the cache ``generation`` it started in
        (a write committed meanwhile makes it stale, and the cache refuses it)."""
        if request.key is not None:
            self.cache.put(request.key, reply, generation, now)

    async def _refresh(self, request: Prepared) -> None:
        """Read a kept reply again (refresh-ahead): nothing kept unless it only read."""
        assert request.key is not None
        generation = self.cache.generation
        reply = await self.refill(request)
        if reply is not None:
            self.cache.put(request.key, reply, generation, self.services.clock.now())
