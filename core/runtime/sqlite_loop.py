"""A connection of the process's own to one SQLite file, used from the event loop's thread only.

What ``sqlite_reader.DirectReader`` (hot reads) and ``sqlite_writer.DirectWriter`` (one-statement
writes) share: opened on first use, never creating the file (the engine does, readable by its owner
only), in autocommit (pysqlite begins nothing on its own), with each one's pragmas.
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar
from urllib.parse import quote


class LoopConnection:
    """One connection to the SQLite file at ``path``, opened on first use with ``PRAGMAS``."""

    PRAGMAS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        """The open connection (raises ``sqlite3.OperationalError`` while the file is not there)."""
        if self._connection is None:
            connection = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, isolation_level=None,
                                         check_same_thread=False)
            for pragma in self.PRAGMAS:
                connection.execute(f"PRAGMA {pragma}")
            self._connection = connection
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
