"""The composition root: roles from the configuration, start-up database checks, and the plug-in hooks
for adapters and the worker."""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from adapters.platform import Platform
from bots import bootstrap
from bots.cli import main
from bots.config import Config, RolesConfig
from bots.migrations import is_current
from core.capabilities import build_registry
from core.errors import ConfigError
from core.ports import FakeMessenger
from core.registry import Registry
from core.runtime.db import Database
from core.schema import AuditEntry, Member, MemberRole, RoleSeed
from core.services import Services
from tests.databases import KINDS, fresh_database


async def roles_by_email(db: Database) -> dict[str, set[str]]:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Member.email, MemberRole.role).join(
            MemberRole, MemberRole.member_id == Member.id))).all()
    found: dict[str, set[str]] = {}
    for email, role in rows:
        found.setdefault(str(email), set()).add(role)
    return found


async def test_configured_roles_are_granted_once(db: Database) -> None:
    async with db.uow() as uow:
        uow.session.add(Member(email="bea@example.com", display_name="Béa", locale="fr"))
        await uow.commit()
    roles = RolesConfig(admins=["Ana@Example.com"], animators=["bea@example.com", "ana@example.com"],
                        referents=["bea@example.com"])
    assert await bootstrap.apply_roles(db, roles, default_locale="fr") == 4
    assert await bootstrap.apply_roles(db, roles) == 0
    assert await roles_by_email(db) == {"ana@example.com": {"admin", "animator"},
                                        "bea@example.com": {"animator", "referent"}}
    async with db.uow() as uow:
        members = (await uow.session.exec(select(Member))).all()
        audit = (await uow.session.exec(select(AuditEntry))).all()
    assert len(members) == 2 and {m.locale for m in members} == {"fr"}
    assert {m.display_name for m in members} == {"", "Béa"}
    assert sorted((a.target, a.detail["role"]) for a in audit) == [
        ("ana@example.com", "admin"), ("ana@example.com", "animator"),
        ("bea@example.com", "animator"), ("bea@example.com", "referent")]


async def test_a_role_revoked_in_the_chat_is_not_granted_again_at_the_next_start(db: Database, chat) -> None:  # type: ignore[no-untyped-def]
    """Issue 12, finding 9: ``[roles]`` granted its roles again at every start, undoing an admin's
    revoke. Each (address, role) is now seeded once, and the seeding recorded."""
    roles = RolesConfig(admins=["admin@example.com"], animators=["ana@example.com"])
    assert await bootstrap.apply_roles(db, roles) == 2
    revoked = await chat("admin@example.com").say("role revoke animator ana@example.com")
    assert not revoked.error, revoked.text
    assert await bootstrap.apply_roles(db, roles) == 0                       # the next start
    assert await roles_by_email(db) == {"admin@example.com": {"admin"}}
    more = RolesConfig(admins=["admin@example.com"], animators=["ana@example.com"],
                       referents=["ana@example.com"])
    assert await bootstrap.apply_roles(db, more) == 1, "a pair new to the configuration is seeded"
    assert await roles_by_email(db) == {"admin@example.com": {"admin"}, "ana@example.com": {"referent"}}
    async with db.uow() as uow:
        seeded = (await uow.session.exec(select(RoleSeed.email, RoleSeed.role))).all()
    assert sorted(seeded) == [("admin@example.com", "admin"), ("ana@example.com", "animator"),
                              ("ana@example.com", "referent")]


@pytest.mark.parametrize("kind", KINDS)
async def test_prepare_migrates_sqlite_but_only_checks_postgresql(kind: str, tmp_path: Path) -> None:
    async with fresh_database(kind, tmp_path) as url:
        config = Config.model_validate({"database": {"url": url}, "roles": {"admins": ["a@b.org"]}})
        if kind == "postgresql":
            with pytest.raises(bootstrap.DatabaseNotReady, match="run `parvis db upgrade` first"):
                await bootstrap.prepare_database(config)
            upgrade = ["db", "upgrade", "--config", str(_write(tmp_path, url))]
            assert await asyncio.to_thread(main, upgrade) == 0
        await bootstrap.prepare_database(config)
        assert await is_current(url)
        db = Database(url)
        try:
            assert await roles_by_email(db) == {"a@b.org": {"admin"}}
        finally:
            await db.dispose()


def _write(directory: Path, url: str) -> Path:
    path = directory / "parvis.toml"
    path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return path


async def test_prepare_explains_an_unreachable_database() -> None:
    config = Config.model_validate({"database": {"url": "postgresql+asyncpg://u:secret@127.0.0.1:1/x"}})
    with pytest.raises(bootstrap.DatabaseNotReady, match=r"cannot use the database at .*u:\*\*\*@") as caught:
        await bootstrap.prepare_database(config)
    assert "secret" not in str(caught.value)


def test_a_configured_platform_without_its_adapter_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(bootstrap.ADAPTERS, "slack", bootstrap.Adapter("adapters.no_such_adapter.app", on))
    with pytest.raises(ConfigError, match=r"\[slack\] is configured, but this installation has no slack"):
        registry = build_registry()
        bootstrap.build_platforms(Config(), bootstrap.build_services(Config(), registry), registry)


def on(config: Config) -> types.SimpleNamespace:
    """An adapter's section that turns its platform on."""
    return types.SimpleNamespace(configured=True)


def plug_fake_adapter(monkeypatch: pytest.MonkeyPatch, events: list[Any]) -> FakeMessenger:
    """A configured adapter "chat" whose routes and lifetime record themselves in ``events``."""
    messenger = FakeMessenger(platform="chat")

    def build_platform(section: Any, services: Any, registry: Any) -> Platform:
        async def lifetime(app: Any) -> AsyncIterator[None]:
            events.append("adapter up")
            yield
            events.append("adapter down")

        return Platform("chat", messenger, routes=lambda app: events.append("routes"),
                                  lifetime=lifetime)

    adapter = types.SimpleNamespace(build_platform=build_platform)
    monkeypatch.setitem(sys.modules, "tests_fake_adapter", adapter)
    monkeypatch.setitem(bootstrap.ADAPTERS, "chat", bootstrap.Adapter("tests_fake_adapter", on))
    return messenger


async def test_adapters_and_worker_plug_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    events: list[Any] = []
    messenger = plug_fake_adapter(monkeypatch, events)

    @asynccontextmanager
    async def running(services: Services, registry: Registry) -> AsyncIterator[None]:
        events.append(("worker up", services.settings.scheduler.dispatch_concurrency,
                       services.messengers["chat"], "campaigns.rounds" in registry.jobs))
        yield
        events.append("worker down")

    monkeypatch.setattr(bootstrap.scheduler, "running", running)
    config = Config.model_validate({"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"},
                                    "scheduler": {"dispatch_concurrency": 3}})
    client = TestClient(TestServer(bootstrap.build_app(config)))
    await client.start_server()
    await client.close()
    assert events == ["routes", "adapter up", ("worker up", 3, messenger, True), "worker down",
                      "adapter down"]


def test_the_services_send_with_the_renderers_of_the_registry_they_are_built_with() -> None:
    """The composition root builds the registry from ``core.capabilities`` and hands it on; the
    services keep it only as the outbox's renderers (the router and the worker are given it)."""
    registry = build_registry()
    assert bootstrap.build_services(Config(), registry).renderers is registry


def test_build_app_takes_services_with_the_registry_they_were_built_with() -> None:
    services = bootstrap.build_services(Config(), build_registry())
    with pytest.raises(TypeError, match="registry"):
        bootstrap.build_app(Config(), services)


def test_a_lone_worker_has_the_platforms_messengers_but_no_inbound_side(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``parvis worker`` sends Slack and Teams deliveries: without their messengers it would fail them."""
    events: list[Any] = []
    messenger = plug_fake_adapter(monkeypatch, events)
    config = Config.model_validate({"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"}})
    services = bootstrap.worker_services(config, build_registry())
    assert services.messengers["chat"] is messenger
    assert events == []
