"""Replies of read-only commands, kept per member until the data they show may have changed.

Why: ``group list``, ``expert find`` and the like are the most frequent commands, they only read, and
Slack wants its acknowledgement within milliseconds. A command registered with ``cached="member"``
promises that its reply depends only on the command text, the member (their id, language, time zone
and roles) and the database (``"shared"``: not on who the member is, only on those attributes); the router
then answers a repeat from here without opening a transaction.

Freshness:
- in this process, every commit that writes anything but activity events drops every entry
  (``Database.on_commit``), and a reply read while such a commit happened is not stored;
- writes by other processes (a second ``parvis serve`` on PostgreSQL, ``parvis directory import``)
  and the passing of time (an expert's "away until", the clock tests move) are seen within
  ``REPLY_TTL_SECONDS``, measured on both the monotonic clock and the services' clock;
- an entry still in use is read again in the background before it expires (``core.runtime.refresh_ahead``:
  the router's ``refresh`` callback), so a busy command's repeats never wait for the database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from core.activity.models import ActivityEvent, ActivityWeek, SearchMiss
from core.messages import Reply
from core.runtime.db import Database, Written
from core.runtime.refresh_ahead import REFRESH_FROM, RefreshingCache, refresh_point

if TYPE_CHECKING:
    from core.directory.members import Resolution

REPLY_TTL_SECONDS = 5.0
REPLY_CACHE_SIZE = 4096
#: tables whose writes change no kept reply (statistics; ``expert misses`` is never kept)
IGNORED_TABLES = frozenset({ActivityEvent.__tablename__, ActivityWeek.__tablename__,
                            SearchMiss.__tablename__})

CacheScope = Literal["member", "shared"]
Key = tuple[str, str, int, str, str, frozenset[str]]


@dataclass(frozen=True)
class Entry:
    reply: Reply
    expires: float  # time.monotonic()
    stored_at: datetime  # the services' clock
    refresh_at: float  # time.monotonic(): a hit after this starts a background read


def key_of(command: str, scope: CacheScope, text: str, who: Resolution) -> Key:
    """What a cached reply may depend on: the command, its text, and who asks (``"member"``) or only
    their language, time zone and roles (``"shared"``: fifty people asking the same share one)."""
    member = who.member_id if scope == "member" else 0
    return (command, " ".join(text.split()).casefold(), member, who.locale, who.timezone, who.roles)


class ReplyCache(RefreshingCache[Key, Entry]):
    """Key → reply, bounded in size and age; ``generation`` grows with every invalidation."""

    def __init__(self, ttl: float = REPLY_TTL_SECONDS, size: int = REPLY_CACHE_SIZE) -> None:
        super().__init__(ttl, size)

    def get(self, key: Key, now: datetime, refresh: Callable[[], Awaitable[None]] | None = None, *,
            peek: bool = False) -> Reply | None:
        """The reply kept for ``key``, if still fresh; past its refresh point, ``refresh`` (which
        reads the reply again and ``put``s it) is started in the background. ``peek``: a miss is not
        counted (the caller asks again on the way that reads the database)."""
        found = self._entries.get(key)
        moment = time.monotonic()
        if found is not None and (found.expires < moment or not (
                found.stored_at <= now < found.stored_at + timedelta(seconds=self.ttl))):
            del self._entries[key]
            found = None
        if found is None:
            self.misses += not peek
            return None
        self.hits += 1
        if refresh is not None and (moment >= found.refresh_at
                                    or now >= found.stored_at + timedelta(seconds=self.ttl * REFRESH_FROM)):
            self.refresher.start(key, refresh)
        return found.reply

    def put(self, key: Key, reply: Reply, generation: int, now: datetime) -> None:
        """Keep a reply read at ``generation`` (dropped if a commit changed data since)."""
        if generation != self.generation:
            return
        moment = time.monotonic()
        self._keep(key, Entry(reply, moment + self.ttl, now, refresh_point(moment, self.ttl)))

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def written(self, written: Written) -> None:
        """``Database.on_commit`` listener: any write but an activity event may change a reply."""
        if written.tables - IGNORED_TABLES or any(
                not isinstance(obj, ActivityEvent) for obj in written.objects):
            self.clear()


def reply_cache(db: Database) -> ReplyCache:
    """The reply cache of ``db``, listening to its commits from the moment it exists."""
    return db.cache(ReplyCache)
