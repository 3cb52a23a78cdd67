"""Shared fixtures: a real database (SQLite per test, or PostgreSQL from PARVIS_TEST_DATABASE_URL),
a fake clock, a recording messenger, and a router that runs commands as a member would."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import core.schema  # noqa: F401  (registers every table)
from core.capabilities import build_registry
from core.commands import Action, Actor, Invocation
from core.commands.router import CommandRouter
from core.directory import everyday_words
from core.directory.members import find_by_email
from core.messages import Reply
from core.ports import FakeClock, FakeMessenger
from core.registry import Registry
from core.runtime.db import Database
from core.schema import MemberRole
from core.services import Services
from core.settings import GovernanceSettings, SecuritySettings, Settings

PG_URL = os.environ.get("PARVIS_TEST_DATABASE_URL", "")
#: a process's settings in tests: the defaults, and a server secret as ``bots/server_secret.py`` provides;
#: no usage charter to accept first, except in the tests about it (``tests/test_charter.py``)
TEST_SETTINGS = Settings(security=SecuritySettings(secret_key="test-secret-" + "s" * 32),
                         governance=GovernanceSettings(require_charter=False))


async def _reset_schema(url: str) -> None:
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        await conn.run_sync(SQLModel.metadata.create_all)
    await database.dispose()


@pytest.fixture(scope="session", autouse=True)
def everyday_word_lists() -> None:
    """Read the expert search's word lists once per test process, as ``parvis serve`` does at start
    (``bots.server.word_lists``): otherwise the first search of a run waits about a second for them,
    and a test timing an acknowledgement would measure that."""
    everyday_words.load()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The PostgreSQL URL, its tables dropped and created afresh once per run."""
    if PG_URL:
        asyncio.run(_reset_schema(PG_URL))
    yield PG_URL


@pytest.fixture
def database_url(tmp_path: Path, pg_url: str) -> str:
    """The URL of the test's database: a fresh SQLite file, or the shared PostgreSQL database."""
    return pg_url or f"sqlite+aiosqlite:///{tmp_path / 'parvis.db'}"


#: every table emptied, children first, and every sequence back at 1, in one round trip: what
#: ``TRUNCATE … RESTART IDENTITY`` did, without its cost — a new file for each of some forty tables,
#: 0.4–0.7 s a test on a small virtual machine, against a few milliseconds for tables a test filled
#: with a few rows. First, any connection an earlier test left behind (a task still running when its
#: test ended) is ended, its transaction rolled back: ``TRUNCATE`` waited for such a transaction and
#: then emptied what it wrote; ``DELETE`` would neither wait for it nor see its rows
EMPTY_POSTGRES = "; ".join(
    ["SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
     "WHERE datname = current_database() AND pid <> pg_backend_pid()"]
    + [f'DELETE FROM "{table.name}"' for table in reversed(SQLModel.metadata.sorted_tables)]
    + ["SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S' "
       "AND relnamespace = 'public'::regnamespace"])


@pytest.fixture
async def db(database_url: str, pg_url: str) -> AsyncIterator[Database]:
    """A database with every table, empty."""
    database = Database(database_url)
    async with database.engine.begin() as conn:
        if pg_url:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute(EMPTY_POSTGRES)
        else:
            await conn.run_sync(SQLModel.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def messenger() -> FakeMessenger:
    return FakeMessenger(platform="console")


@pytest.fixture
def registry() -> Registry:
    """The registry of a process as ``bots/bootstrap.py`` builds it: every capability, built afresh for
    each test (a test may add to it)."""
    return build_registry()


@pytest.fixture
def services(db: Database, clock: FakeClock, messenger: FakeMessenger, registry: Registry) -> Services:
    """The services of a process as ``bots/bootstrap.py`` builds them, sending with the renderers of
    ``registry``."""
    return Services(db=db, renderers=registry, clock=clock, messengers={"console": messenger},
                    settings=TEST_SETTINGS)


@pytest.fixture
def router(services: Services, registry: Registry) -> CommandRouter:
    return CommandRouter(services, registry)


def actor(email: str, locale: str | None = None, platform: str = "console") -> Actor:
    """A console-like actor identified by e-mail."""
    return Actor(platform=platform, tenant="local", user_id=email, email=email,
                 display_name=email.split("@")[0].title(), locale=locale)


async def give_role(db: Database, email: str, role: str) -> None:
    """Grant ``role`` to the member with ``email`` directly in the database (test setup)."""
    async with db.uow() as uow:
        member = await find_by_email(uow, email)
        assert member is not None and member.id is not None
        uow.session.add(MemberRole(member_id=member.id, role=role))
        await uow.commit()


class Chat:
    """Drives the router as one member typing commands (errbot's push_message/pop_message idea)."""

    def __init__(self, router: CommandRouter, email: str, locale: str | None = None) -> None:
        self.router = router
        self.actor = actor(email, locale)

    async def say(self, text: str) -> Reply:
        return await self.router.handle(Invocation(actor=self.actor, text=text))

    async def click(self, action_id: str, value: str = "", **values: str) -> Reply:
        return await self.router.act(Action(actor=self.actor, action_id=action_id, value=value,
                                            values=values))


@pytest.fixture
def chat(router: CommandRouter):  # type: ignore[no-untyped-def]
    """``chat("ana@example.com")`` returns a Chat for that member."""

    def make(email: str, locale: str | None = None) -> Chat:
        return Chat(router, email, locale)

    return make
