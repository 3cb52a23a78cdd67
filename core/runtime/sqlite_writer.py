"""A write statement that is its own transaction, run on a SQLite file in the event loop's own thread.

Why: through aiosqlite a one-statement write (``group join``, ``group leave``, ``expert add``) is two
hand-offs to the driver thread and back — the statement, then the commit — each a queue, a thread
wake-up and an event-loop wake-up, with this process's write turn (``WriteLock``) held across both;
on a virtual machine a thread wake-up alone costs about 0.1 ms. The statement itself, indexed and
small, takes a few tens of microseconds. So ``UnitOfWork.write``'s single statements (those that may
commit on their own, as on PostgreSQL) run here: one ``execute`` in autocommit, nothing awaited.

Why it is safe:
- it takes this process's write turn like any writer (so no transaction of this process is open on
  the file), and holds it only while it runs, without awaiting anything;
- SQLite's busy timeout is zero here: a writer of another process (an import, the CLI) makes the
  statement give way at once, and the caller writes the usual way, waiting its turn as before;
- a statement that fails changes nothing (SQLite rolls one statement back as a whole); the caller
  then runs it the usual way, which reports the failure in SQLAlchemy's words (an
  ``IntegrityError`` for a foreign key) exactly as before;
- the connection never checkpoints the write-ahead log (``wal_autocheckpoint=0``): a checkpoint
  copies pages and syncs the file, which must not happen in the loop's thread; the pool's
  connections, which commit every command's activity, checkpoint it as before.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from core.runtime.sqlite_loop import LoopConnection

if TYPE_CHECKING:
    from core.runtime.sqlite_statements import Prepared
    from core.runtime.sqlite_writes import WriteLock


class DirectWriter(LoopConnection):
    """One connection to one SQLite file for statements that commit on their own, used from the event
    loop's thread only."""

    PRAGMAS = ("busy_timeout = 0", "foreign_keys = ON", "synchronous = NORMAL", "wal_autocheckpoint = 0")

    def __init__(self, path: str, turns: WriteLock) -> None:
        super().__init__(path)
        self.turns = turns

    async def write(self, prepared: Prepared, params: dict[str, Any]) -> tuple[list[Any], bool] | None:
        """The converted rows of ``prepared`` and whether it changed a row, committed; ``None`` when it
        must be written the usual way (a writer of another process is at work, or the statement
        failed and so changed nothing). Waits for this process's write turn first, as any writer."""
        await self.turns.take(self)
        try:
            cursor = self.connection().execute(prepared.sql, prepared.parameters(params))
            raw = cursor.fetchall()
            changed = cursor.rowcount
            cursor.close()
        except sqlite3.Error:
            return None
        finally:
            self.turns.give_back(self)
        return prepared.rows(raw), bool(raw) or changed > 0
