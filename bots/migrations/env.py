"""Alembic environment: runs on the connection ``bots.migrations`` hands over, or on its own engine.

The engine comes from ``core.runtime.db.make_engine`` so SQLite gets the same pragmas as the application;
SQLite migrations run in batch mode because it cannot alter most constraints in place.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

from core.errors import ConfigError
from core.runtime.columns import UTCDateTime
from core.runtime.db import make_engine, metadata

config = context.config
target_metadata = metadata()


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | Literal[False]:
    """Write the project's column types as plain, importable code in generated revisions."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        autogen.imports.add("from core.runtime.columns import UTCDateTime")
        return "UTCDateTime()"
    if kind == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(target_metadata=target_metadata, render_item=render_item, compare_type=True, **kwargs)


def database_url() -> str:
    """The URL ``bots.migrations`` hands over, else ``sqlalchemy.url`` of an ``alembic.ini``."""
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not isinstance(url, str):
        raise ConfigError("the migrations were given no database URL")
    return url


def run_offline() -> None:
    """``--sql`` mode: print the SQL instead of running it."""
    url = database_url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
    else:
        asyncio.run(run_with_own_engine(database_url()))


if context.is_offline_mode():
    run_offline()
else:
    run_online()
