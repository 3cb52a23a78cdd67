"""What "the database is unchanged" is checked against: the number of rows of every table."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

from core.runtime.activity_log import activity_log
from core.runtime.db import Database


async def table_counts(db: Database) -> dict[str, int]:
    """Rows per table, once the activity events of earlier commands (written in batches) are written."""
    await activity_log(db).flush()
    async with db.uow() as uow:
        return {table.name: int((await uow.session.exec(  # type: ignore[call-overload]
            select(func.count()).select_from(table))).one()[0])
            for table in SQLModel.metadata.sorted_tables}
