"""Hot reads of a SQLite file in the event loop's own thread, for work that has not written yet.

Why: every statement through aiosqlite is a hand-off to its thread and back — a queue, a thread
wake-up, an event-loop wake-up through its self-pipe — and a pooled connection checked out for it.
The hot reads (``sqlite_driver.read_rows`` and ``Database.read``: who is behind a command, the group
list, an expert search, a member's skills — small indexed statements built once) take less time
than that hand-off. So they run here, on a connection of the process's own, in the loop's thread.

Why it is safe: the connection only reads (``query_only``), and in WAL mode a reader never waits for
a writer; if SQLite is busy all the same (a checkpoint, recovering after a crash), ``rows`` answers
``None`` at once and the caller reads the usual way. A unit of work that has written reads through
its own connection, so that it sees its own writes; one that has not sees what this connection sees,
the last commit (a read there is its own snapshot either way: pysqlite begins no transaction for
reads). The connection never creates the file: the engine does, readable by its owner only.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from core.runtime.sqlite_loop import LoopConnection

if TYPE_CHECKING:
    from core.runtime.sqlite_statements import Prepared


class DirectReader(LoopConnection):
    """One read-only connection to one SQLite file, used from the event loop's thread only."""

    PRAGMAS = ("query_only = ON", "busy_timeout = 0")

    def rows(self, prepared: Prepared, params: dict[str, Any]) -> list[Any] | None:
        """The converted rows of ``prepared``, or ``None`` when they must be read the usual way."""
        try:
            raw = self.connection().execute(prepared.sql, prepared.parameters(params)).fetchall()
        except sqlite3.OperationalError:  # busy, or the file is not there yet
            return None
        return prepared.rows(raw)
