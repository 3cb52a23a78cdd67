"""The audit trail: what writes it (role changes, configuration-seeded grants, campaign starts and
closes, charter acceptances), ``audit`` in the chat for admins, and ``parvis audit`` on the server."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bots import bootstrap
from bots.cli import main
from bots.config import RolesConfig
from bots.migrations import upgrade
from core import markup
from core.activity import audit
from core.i18n import Translator
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import AuditEntry
from tests.campaign_support import ANA, BOB, create, demo_group, ok, tick
from tests.conftest import give_role

ADMIN = "root@example.com"


async def trail(db: Database) -> list[tuple[str, str, dict[str, object], int | None]]:
    async with db.uow() as uow:
        found = (await uow.session.exec(select(AuditEntry).order_by(AuditEntry.id))).all()  # type: ignore[arg-type]
    return [(entry.action, entry.target, entry.detail, entry.actor_id) for entry in found]


async def test_campaign_starts_pauses_and_closes_are_audited(chat, db, clock: FakeClock, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await create(chat, recurrence="once", start="2026-03-09")
    ana = chat(ANA)
    await ok(ana, "campaign start 1")
    await ok(ana, "campaign pause 1")
    await ok(ana, "campaign resume 1")
    await ok(ana, "campaign close 1")
    found = [(action, target, detail) for action, target, detail, _ in await trail(db)
             if action.startswith("campaign.")]
    assert found == [
        ("campaign.start", "campaign:1", {"from": "draft", "to": "scheduled"}),
        ("campaign.pause", "campaign:1", {"from": "scheduled", "to": "paused"}),
        ("campaign.resume", "campaign:1", {"from": "paused", "to": "scheduled"}),
        ("campaign.close", "campaign:1", {"from": "scheduled", "to": "closed"})]
    assert (await ana.say("campaign close 1")).error
    closes = [entry for entry in await trail(db) if entry[0] == "campaign.close"]
    assert len(closes) == 1, "a refusal is no entry"


async def test_a_campaign_whose_schedule_is_over_closes_in_the_trail(chat, db, clock: FakeClock,  # type: ignore[no-untyped-def]
                                                                     services) -> None:
    await demo_group(chat, db)
    await create(chat, recurrence="once", start="2026-03-09", close_after="24", reminder_after="12")
    await ok(chat(ANA), "campaign start 1")
    clock.current = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    await tick(services)
    clock.current += timedelta(days=3)
    await tick(services)
    await tick(services)
    closes = [entry for entry in await trail(db) if entry[0] == "campaign.close"]
    assert closes == [("campaign.close", "campaign:1", {"from": "running", "to": "closed",
                                                        "reason": "schedule over"}, None)]


async def test_configuration_seeded_grants_are_audited_once(db: Database) -> None:
    roles = RolesConfig(admins=["boss@example.com"], animators=["anim@example.com"])
    assert await bootstrap.apply_roles(db, roles) == 2
    assert await bootstrap.apply_roles(db, roles) == 0
    found = [(action, target, detail, actor) for action, target, detail, actor in await trail(db)]
    seeded = {"source": "configuration"}
    assert found == [("role.grant", "boss@example.com", {"role": "admin", **seeded}, None),
                     ("role.grant", "anim@example.com", {"role": "animator", **seeded}, None)]


async def test_admins_read_the_last_twenty_entries_in_the_chat(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await chat(ADMIN).say("lang en")
    await chat(BOB).say("lang en")
    await give_role(db, ADMIN, "admin")
    async with db.uow() as uow:
        for n in range(25):
            moment = clock.now() + timedelta(minutes=n)
            audit.record(uow, None, "test.step", f"thing:{n}", {"n": n}, at=moment)
        await uow.commit()
    clock.advance(timedelta(hours=1))
    await ok(chat(ADMIN), f"role grant referent {BOB}")
    shown = await ok(chat(ADMIN), "audit")
    lines = shown.text.splitlines()
    assert len(lines) == 20 and shown.title == Translator("en")("audit.title", count=20)
    assert "— Root — `role.grant`" in lines[0] and "role=referent" in lines[0], "newest first"
    assert "`test.step` thing:24 (n=24)" in lines[1] and "Parvis (configuration or schedule)" in lines[1]
    assert "thing:6 " in lines[-1] and not any("thing:5 " in line for line in lines)
    refused = await chat(BOB).say("audit")
    assert refused.error and refused.text.startswith(Translator("en")("audit.admins_only"))
    extra = await chat(ADMIN).say("audit everything")
    assert extra.error and "takes no argument" in extra.text


async def test_member_text_in_the_trail_stays_text(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    await chat(ADMIN).say("lang en")
    await give_role(db, ADMIN, "admin")
    async with db.uow() as uow:
        audit.record(uow, None, "skill.synonym_add", "*bold* [a](https://x.example)", {"skill": "_x_"})
        await uow.commit()
    shown = await ok(chat(ADMIN), "audit")
    spans = markup.parse(shown.text)
    assert [span.text for span in spans if span.code] == ["skill.synonym_add"]
    assert not any(span.bold or span.italic or span.url for span in spans)
    assert " *bold* [a](https://x.example) (skill=_x_)" in markup.plain(shown.text)


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> AsyncIterator[tuple[Database, str]]:
    """A migrated SQLite database and a configuration file naming it, as an operator has them."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'parvis.db'}"
    await upgrade(url)
    database = Database(url)
    config = tmp_path / "parvis.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    yield database, str(config)
    await database.dispose()


async def parvis(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return status, out, err


async def test_parvis_audit_prints_text_and_csv_since_a_date(sqlite_file, capsys) -> None:  # type: ignore[no-untyped-def]
    db, config = sqlite_file
    await bootstrap.apply_roles(db, RolesConfig(admins=["boss@example.com"]))
    async with db.uow() as uow:
        closed = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
        detail = {"reason": "schedule over", "from": "running"}
        audit.record(uow, None, "campaign.close", "campaign:3", detail, at=closed)
        audit.record(uow, None, "campaign.start", "campaign:2", {"note": 'a "quoted", text'},
                     at=datetime(2025, 12, 31, 23, 0, tzinfo=UTC))
        await uow.commit()
    status, out, err = await parvis(capsys, "audit", "--since", "2026-01-01", "--format", "csv",
                                    "--config", config)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["action"] for row in rows] == ["campaign.close", "role.grant"], "oldest first, from the date"
    assert rows[0]["at"] == "2026-01-05T09:30:00Z" and rows[0]["actor_id"] == ""
    assert json.loads(rows[0]["detail"]) == {"from": "running", "reason": "schedule over"}
    assert list(rows[0]) == ["at", "actor_id", "actor", "action", "target", "detail"]
    status, out, err = await parvis(capsys, "audit", "--config", config)
    assert status == 0 and out.splitlines()[0].startswith("2025-12-31T23:00:00Z  Parvis  campaign.start")
    assert 'note=a "quoted", text' in out and len(out.splitlines()) == 3
    status, out, err = await parvis(capsys, "audit", "--since", "2026-01-05T10:00+01:00", "--config", config)
    assert status == 0 and "campaign.close" in out, "09:30 UTC is 10:30 in Paris"


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01", "05/01/2026", ""])
async def test_parvis_audit_refuses_a_since_that_is_no_date(sqlite_file, capsys, since: str) -> None:  # type: ignore[no-untyped-def]
    _, config = sqlite_file
    status, out, err = await parvis(capsys, "audit", "--since", since, "--config", config)
    assert status == 2 and out == ""
    assert err.strip() == ("parvis audit: --since: expected a date such as 2025-01-31 (or a date and time "
                           f"such as 2025-01-31T09:00), got “{since}”.")


async def test_parvis_audit_of_an_empty_trail(sqlite_file, capsys) -> None:  # type: ignore[no-untyped-def]
    _, config = sqlite_file
    status, out, _ = await parvis(capsys, "audit", "--config", config)
    assert status == 0 and out == "The audit trail is empty.\n"
    status, out, _ = await parvis(capsys, "audit", "--format", "csv", "--config", config)
    assert out == "at,actor_id,actor,action,target,detail\n"
