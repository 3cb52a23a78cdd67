"""SQL statements compiled once for SQLite's fast paths, with the conversions the ORM would apply.

Apart from ``sqlite_driver`` (which runs them through pooled connections) and ``sqlite_reader`` (which
runs them in the loop's own thread), so that both can use a ``Prepared`` without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


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

    def rows(self, raw: list[Any]) -> list[Any]:
        """Every row converted; as they are when no column needs it (text and numbers on SQLite:
        ``group members`` reads hundreds of rows, a generator per row was a third of its time)."""
        if not any(self.results):
            return raw
        return [self.row(row) for row in raw]


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
    columns = statement.selected_columns if hasattr(statement, "selected_columns") else (
        statement.exported_columns)  # a write statement's: those it returns
    results = tuple(column.type._cached_result_processor(dialect, None) for column in columns)
    defaults = {name: binds[name].effective_value for name in names if not binds[name].required}
    return Prepared(compiled.string, names, defaults, converters, results)
