"""The database of a one-shot command (``parvis report``, ``parvis outbox``): checked, used, closed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bots import bootstrap
from bots.config import Config
from core.errors import OperatorError
from core.runtime.db import Database

T = TypeVar("T")


class DatabaseUnusable(OperatorError):
    """The command cannot use the database; the message says why (and what to do)."""


def with_database(config: Config, work: Callable[[Database], Awaitable[T]]) -> T:
    """Check the database is migrated (SQLite is migrated on the spot), run ``work`` on it, close it.
    Raises ``DatabaseUnusable`` with a message for the admin."""

    async def run() -> T:
        await bootstrap.prepare_database(config)
        database = Database(config.database.url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except bootstrap.DatabaseNotReady as exc:
        raise DatabaseUnusable(str(exc)) from exc
    except SQLAlchemyError as exc:
        where = bootstrap.safe_url(config.database.url)
        raise DatabaseUnusable(f"cannot use the database at {where}: {exc}") from exc
