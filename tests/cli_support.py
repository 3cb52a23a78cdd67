"""Shared by the command-line tests (``parvis report``, ``parvis outbox``): a real, migrated SQLite
database, a configuration file naming it, and the command line run in this process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.cli import main
from bots.migrations import upgrade
from core.runtime.db import Database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Always SQLite here: the CLI migrates it as it would a real installation's."""
    return f"sqlite+aiosqlite:///{tmp_path / 'parvis.db'}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    await upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "parvis.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return str(path)


async def parvis(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in this process (in a thread: it runs its own event loop)."""
    capsys.readouterr()
    status = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return status, out, err
