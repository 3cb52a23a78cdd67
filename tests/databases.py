"""Throw-away databases for tests that must start from nothing (migrations, start-up checks).

SQLite: a new file. PostgreSQL (when ``PARVIS_TEST_DATABASE_URL`` is set): a new database created on
that server next to the test database, dropped afterwards, so the shared test schema is untouched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("PARVIS_TEST_DATABASE_URL", "")
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="PARVIS_TEST_DATABASE_URL is not set"))]


@asynccontextmanager
async def fresh_database(kind: str, directory: Path) -> AsyncIterator[str]:
    """The URL of an empty database of ``kind`` that exists only for the block."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'fresh.db'}"
        return
    base = make_url(PG_URL)
    name = f"parvis_mig_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(host=base.host, port=base.port or 5432, user=base.username,
                                  password=base.password, database=base.database)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
