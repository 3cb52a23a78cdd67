"""The per-process cache of resolved actors: who is behind a platform user, without the database.

Resolving the actor of every command (identity → member → roles) is the hot path of the bot, so the
answer is kept here, keyed by (platform, tenant, user id). It holds the member's columns and roles as
resolved, and the ``Actor`` they were resolved from:

- a hit needs the same ``Actor`` (same e-mail, name, time zone, locale from the platform); a changed
  profile is resolved again, so the locale refresh and the e-mail join behave as without the cache;
- every commit in this process that writes a ``member``, ``member_role`` or ``identity`` row forgets
  the members it touched (``Database.on_commit``: role grant/revoke, ``lang``, opt-out, the importer,
  ``[roles]`` at start-up, a Teams contact, erasure — whatever the write site), so a change made here
  takes effect on the very next command;
- a change made by *another* process (several ``parvis serve`` on one PostgreSQL, ``parvis import``)
  is seen within ``ACTOR_TTL_SECONDS``: that is the bound on how long a revoked role can still act;
  a member erased by another process is noticed sooner, before anything is saved for them (the
  router asks ``core.directory.erased`` when a command wrote), and forgotten at once;
- an entry still in use is resolved again in the background before it expires
  (``core.runtime.refresh_ahead``), so an active member's commands never wait for the database.

``core.directory.members`` resolves and fills it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect as sa_inspect

from core.directory.models import Identity, Member, MemberRole
from core.runtime.refresh_ahead import RefreshingCache, refresh_point

if TYPE_CHECKING:
    from core.commands import Actor
    from core.runtime.db import Database, Written

#: how long a resolved actor is trusted without looking again (changes by other processes)
ACTOR_TTL_SECONDS = 5.0
ACTOR_CACHE_SIZE = 10_000
#: the tables whose rows make up a resolved actor
DIRECTORY_TABLES = frozenset({"member", "member_role", "identity"})
#: the member's columns a resolution keeps, in the order of the table
COLUMNS = tuple(attr.key for attr in sa_inspect(Member).column_attrs)
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Resolved:
    """One cached resolution: the member's columns, roles, and the actor they were resolved from."""

    values: dict[str, Any]
    roles: frozenset[str]
    seen: Actor
    expires: float
    refresh_at: float  # a hit after this resolves the actor again in the background


class ActorCache(RefreshingCache[Key, Resolved]):
    """(platform, tenant, user id) → ``Resolved``, bounded in size and age.

    ``generation`` grows on every invalidation: a resolution that started before one is not stored,
    so a revoke committed while a command was reading the old roles cannot be undone by that read.
    """

    def __init__(self, ttl: float = ACTOR_TTL_SECONDS, size: int = ACTOR_CACHE_SIZE) -> None:
        super().__init__(ttl, size)

    def get(self, actor: Actor, refresh: Callable[[], Awaitable[None]] | None = None, *,
            peek: bool = False) -> Resolved | None:
        """The resolution kept for ``actor``, if fresh; past its refresh point, ``refresh`` (which
        resolves again and ``put``s it) is started in the background. ``peek``: a miss is not counted
        (the caller resolves on the way that reads the database)."""
        key = (actor.platform, actor.tenant, actor.user_id)
        found = self._entries.get(key)
        moment = time.monotonic()
        if found is None or found.seen != actor or found.expires < moment:
            self.misses += not peek
            return None
        self.hits += 1
        if refresh is not None and moment >= found.refresh_at:
            self.refresher.start(key, refresh)
        return found

    def put(self, actor: Actor, values: dict[str, Any], roles: frozenset[str], generation: int) -> None:
        """Remember a resolution read at ``generation`` (dropped if anything changed since):
        ``values`` holds the member's columns (``COLUMNS``, ``values_of``)."""
        if generation != self.generation:
            return
        key = (actor.platform, actor.tenant, actor.user_id)
        moment = time.monotonic()
        self._keep(key, Resolved(values, roles, actor, moment + self.ttl, refresh_point(moment, self.ttl)))

    def forget(self, member_ids: set[int] | None) -> None:
        """Forget these members (every entry when ``None``)."""
        self.generation += 1
        if member_ids is None:
            self._entries.clear()
            return
        for key in [key for key, found in self._entries.items() if found.values["id"] in member_ids]:
            del self._entries[key]

    def written(self, written: Written) -> None:
        """``Database.on_commit`` listener: forget the members whose directory rows were written."""
        if written.tables & (DIRECTORY_TABLES | {"*"}):
            self.forget(None)
            return
        ids: set[int] = set()
        for obj in written.objects:
            if isinstance(obj, Member | MemberRole | Identity):
                found = _member_id_of(obj)
                if found is None:
                    self.forget(None)
                    return
                ids.add(found)
        if ids:
            self.forget(ids)


def values_of(member: Member) -> dict[str, Any]:
    """A member row's ``COLUMNS``, as a resolution keeps them."""
    return {name: getattr(member, name) for name in COLUMNS}


def _member_id_of(obj: Member | MemberRole | Identity) -> int | None:
    """The member a written row belongs to, read without any lazy load."""
    state = vars(obj)
    found = state.get("id") if isinstance(obj, Member) else state.get("member_id")
    return found if isinstance(found, int) else None


def actor_cache(db: Database) -> ActorCache:
    """The actor cache of ``db``, listening to its commits from the moment it exists."""
    return db.cache(ActorCache)
