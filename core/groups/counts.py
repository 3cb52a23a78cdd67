"""How many live members each group has, kept per process and adjusted by this process's own writes.

Why: ``group list`` and ``group info`` show every group's member count, and counting means reading
every membership (an index of all of them: about a millisecond for a 5,000-person directory on
PostgreSQL, and growing with it). The counts change only when someone joins or leaves, so they are
read once, in one statement, and kept:

- a membership this process inserts or deletes adds or takes one at its commit
  (``Database.on_commit``), so a member sees their own join or leave in the very next list;
- anything the adjustment cannot follow — a group created or unknown, a member row written (an
  erasure leaves their memberships behind), a bulk statement on memberships — drops the counts, and
  the next list reads them again;
- changes made by other processes (a second ``parvis serve``) are seen within ``COUNTS_TTL_SECONDS``,
  the staleness bound the reply cache (``core.runtime.reply_cache``) already gives them;
- a read that was under way while a commit changed them is not kept (``generation``).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from sqlmodel import col, func, select

from core.directory.models import Member
from core.groups.models import GroupMember
from core.runtime.db import Database, UnitOfWork, Written
from core.runtime.sqlite_driver import read_rows

COUNTS_TTL_SECONDS = 5.0
#: the tables whose bulk statements the adjustment cannot follow
FOLLOWED = frozenset({"group_member", "member", "groups", "*"})


class MemberCounts:
    """Group id → live members, for the whole process (``member_counts``)."""

    def __init__(self, ttl: float = COUNTS_TTL_SECONDS) -> None:
        self.ttl = ttl
        self.generation = 0
        self._counts: dict[int, int] | None = None
        self._read_at = 0.0
        self.hits = self.misses = 0

    @property
    def refreshes(self) -> int:
        return 0

    def get(self) -> dict[int, int] | None:
        if self._counts is None or time.monotonic() - self._read_at >= self.ttl:
            self._counts = None
            self.misses += 1
            return None
        self.hits += 1
        return self._counts

    def put(self, counts: dict[int, int], generation: int) -> None:
        """Keep counts read at ``generation`` (refused if a commit changed them since)."""
        if generation == self.generation:
            self._counts = counts
            self._read_at = time.monotonic()

    def drop(self) -> None:
        self.generation += 1
        self._counts = None

    def written(self, written: Written) -> None:
        """``Database.on_commit`` listener: follow this process's joins and leaves, else drop."""
        if written.tables & FOLLOWED or any(isinstance(obj, Member) for obj in written.objects):
            self.drop()
            return
        changes = [(obj, 1) for obj in written.created if isinstance(obj, GroupMember)]
        changes += [(obj, -1) for obj in written.deleted if isinstance(obj, GroupMember)]
        if not changes:
            return
        self.generation += 1  # a read under way began before these writes: not kept
        counts = self._counts
        if counts is None:
            return
        for row, change in changes:
            count = counts.get(row.group_id, 0) + change
            # a group absent from the counts has no live member: its first one is its owner
            if count < 0 or (row.group_id not in counts and row.role != "owner"):
                self.drop()  # not what was counted (a group made elsewhere): read them all again
                return
            counts[row.group_id] = count

    async def close(self) -> None:
        return None


def member_counts(db: Database) -> MemberCounts:
    """The member counts of ``db``, told of its commits from the moment they exist."""
    return db.cache(MemberCounts)


@lru_cache(maxsize=1)
def _counts_statement() -> Any:
    erased = select(Member.id).where(col(Member.erased_at).is_not(None))
    return (select(col(GroupMember.group_id), func.count())
            .where(col(GroupMember.member_id).not_in(erased)).group_by(col(GroupMember.group_id)))


async def live_counts(uow: UnitOfWork) -> dict[int, int]:
    """Group id → live members (a group with none is absent): kept, else read in one statement."""
    assert uow.database is not None  # every unit of work comes from a Database
    kept = member_counts(uow.database)
    found = kept.get()
    if found is None:
        generation = kept.generation
        found = {group_id: int(count) for group_id, count in await read_rows(uow, _counts_statement())}
        kept.put(found, generation)
    return found
