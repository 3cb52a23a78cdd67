"""Database migrations (Alembic), run from Python: no ``alembic.ini`` is needed at run time.

``upgrade(url)`` brings a database to the latest revision (``parvis db upgrade``; ``parvis serve`` on
SQLite); ``is_current(engine)`` tells ``/readyz`` whether it is there. The scripts live next to this
file, so they are found after a normal install. ``python -m bots.migrations regenerate`` rewrites the
initial revision from the models (while the project has a single revision; see README).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from core.runtime.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent
INITIAL_REVISION = "0001"
VERSION_TABLE = "alembic_version"


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at this package; the URL travels in ``attributes`` so a
    password with ``%`` in it is not mangled by the ini interpolation."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    config.attributes["connection"] = connection
    return config


def current_heads() -> frozenset[str]:
    """The revisions a current database is at."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def run_alembic(url: str, operation: Callable[[Config], Any]) -> None:
    """Run an Alembic command in one transaction on the database at ``url`` (``env.py`` uses the
    connection handed over here, so this works inside a running event loop)."""
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: operation(alembic_config(url=url, connection=sync)))
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    await run_alembic(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base``: no tables left)."""
    await run_alembic(url, lambda config: command.downgrade(config, revision))


def _recorded(connection: Connection) -> frozenset[str]:
    # Read directly rather than through MigrationContext, which logs at every /readyz probe.
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    return frozenset(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


async def database_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions recorded in the database (empty when it was never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(_recorded)


async def is_current(target: AsyncEngine | str) -> bool:
    """Whether the database (an engine, or a URL) is at the latest revision."""
    if isinstance(target, AsyncEngine):
        return await database_revisions(target) == current_heads()
    engine = make_engine(target, poolclass=pool.NullPool)
    try:
        return await database_revisions(engine) == current_heads()
    finally:
        await engine.dispose()
