"""Hot reads on SQLite in one hop to the driver thread instead of four.

aiosqlite runs every DB-API call (cursor, execute, fetchall, close) on its own thread, each a hand-off
and a wake-up of the event loop: a third of an ``expert find`` on an idle machine, and the part that
grows most when other processes compete for the CPU. For a statement built once (the search's ranking
and version queries), ``read_rows`` compiles it once, then runs it with aiosqlite's
``execute_fetchall`` (one hand-off), applying the same bind and result conversions SQLAlchemy
would. Any other database, or a statement with parameters expanded at execution time
(``IN`` lists), goes through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core.db import UnitOfWork


@dataclass(frozen=True)
class Prepared:
    """A statement compiled for SQLite: its SQL, its parameters in order, and their conversions."""

    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]
    binds: dict[str, Callable[[Any], Any]]
    results: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, params: dict[str, Any]) -> list[Any]:
        values = []
        for name in self.names:
            value = params[name] if name in params else self.defaults[name]
            convert = self.binds.get(name)
            values.append(convert(value) if convert is not None and value is not None else value)
        return values

    def row(self, raw: Any) -> tuple[Any, ...]:
        return tuple(value if convert is None or value is None else convert(value)
                     for convert, value in zip(self.results, raw, strict=False))


@lru_cache(maxsize=256)
def prepare(statement: Any, dialect: Any) -> Prepared | None:
    """The statement compiled for ``dialect``, or None when it needs SQLAlchemy's execution path.

    Uses the type conversions SQLAlchemy caches per dialect (``_cached_bind_processor`` and
    ``_cached_result_processor``), so values are stored and read exactly as the ORM does.
    """
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup is None or compiled.post_compile_params or compiled.literal_execute_params:
        return None
    binds = compiled.binds
    names = tuple(compiled.positiontup)
    converters = {name: convert for name in names
                  if (convert := binds[name].type._cached_bind_processor(dialect)) is not None}
    results = tuple(column.type._cached_result_processor(dialect, None)
                    for column in statement.selected_columns)
    defaults = {name: binds[name].effective_value for name in names if not binds[name].required}
    return Prepared(compiled.string, names, defaults, converters, results)


async def read_rows(uow: UnitOfWork, statement: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """Run a read on the session's connection: one hop on SQLite, SQLAlchemy Core elsewhere.

    Rows are tuples in both cases (no ORM bookkeeping per search).
    """
    connection = await uow.session.connection()
    prepared = prepare(statement, connection.dialect) if connection.dialect.name == "sqlite" else None
    driver = (await connection.get_raw_connection()).driver_connection if prepared else None
    if prepared is None or driver is None or not hasattr(driver, "execute_fetchall"):
        return [tuple(row) for row in (await connection.execute(statement, params or {})).all()]
    rows = await driver.execute_fetchall(prepared.sql, prepared.parameters(params or {}))
    return [prepared.row(row) for row in rows]


async def warm(uow: UnitOfWork, statements: list[Any]) -> None:
    """Compile ``statements`` now (SQLite), so no search later pays the ~10 ms of a first compile."""
    connection = await uow.session.connection()
    if connection.dialect.name == "sqlite":
        for statement in statements:
            prepare(statement, connection.dialect)
