"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL, and undo it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import core.schema  # noqa: F401  (registers every table)
from bots.migrations import MIGRATIONS_DIR, current_heads, database_revisions, downgrade, is_current, upgrade
from core.runtime.db import make_engine
from tests.databases import KINDS, fresh_database


def _differences(connection):  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, SQLModel.metadata)


def _tables(connection) -> set[str]:  # type: ignore[no-untyped-def]
    return set(inspect(connection).get_table_names())


@pytest.mark.parametrize("kind", KINDS)
async def test_upgrade_matches_models_and_downgrade_empties(kind: str, tmp_path: Path) -> None:
    async with fresh_database(kind, tmp_path) as url:
        assert not await is_current(url)
        await upgrade(url)
        assert await is_current(url)
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                assert await connection.run_sync(_differences) == []
                tables = await connection.run_sync(_tables)
            assert {table.name for table in SQLModel.metadata.sorted_tables} <= tables
            assert await database_revisions(engine) == current_heads()

            await upgrade(url)  # a second run changes nothing
            await downgrade(url)
            async with engine.connect() as connection:
                assert await connection.run_sync(_tables) <= {"alembic_version"}
            assert await database_revisions(engine) == frozenset()
            assert not await is_current(engine)
        finally:
            await engine.dispose()


async def test_schema_constraints_hold_after_migration(tmp_path: Path) -> None:
    """The uniqueness rules live in the migrated schema, not only in Python."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'constraints.db'}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            def uniques(sync):  # type: ignore[no-untyped-def]
                inspector = inspect(sync)
                found = {(name, tuple(c["column_names"])) for name in ("identity", "delivery", "response")
                         for c in inspector.get_unique_constraints(name)}
                found |= {(name, tuple(i["column_names"])) for name in ("member", "groups")
                          for i in inspector.get_indexes(name) if i["unique"]}
                return found

            found = await connection.run_sync(uniques)
    finally:
        await engine.dispose()
    assert ("identity", ("platform", "tenant", "user_id")) in found
    assert ("delivery", ("source", "purpose", "target_kind", "target_id")) in found
    assert ("response", ("round_id", "prompt_id", "respondent")) in found
    assert ("member", ("email",)) in found
    assert ("groups", ("slug",)) in found


def test_one_head_and_scripts_ship_with_the_package() -> None:
    assert len(current_heads()) == 1
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("*.py"))
