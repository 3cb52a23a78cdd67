"""``parvis outbox failed|retry`` and the outbox's figures in ``/metrics``, over a real, migrated SQLite
database, as an admin runs them."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select, update

from bots.bootstrap import build_app
from bots.config import Config
from core.delivery.outbox import Source, Target, enqueue
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import AuditEntry, Delivery, Member
from tests import cli_support
from tests.cli_support import parvis

#: a real, migrated SQLite database and a configuration file naming it
database_url, db, config_file = cli_support.database_url, cli_support.db, cli_support.config_file

ERROR = "slack not_in_channel: the Parvis bot is not a member of the channel"


async def outbox(db: Database, clock: FakeClock) -> None:
    """Two failed deliveries (a member's, a channel's), one pending, one sent."""
    async with db.uow() as uow:
        ana = Member(display_name="Ana Martin", email="ana@example.com")
        uow.session.add(ana)
        await uow.session.flush()
        assert ana.id is not None
        await enqueue(uow, Source("question", 1), "question.answer", [Target.member(ana.id)], clock.now())
        await enqueue(uow, Source("announcement", 1), "group.announcement", [Target.channel("gc:1")],
                      clock.now())
        await enqueue(uow, Source("announcement", 2), "group.announcement",
                      [Target.channel("gc:1"), Target.channel("gc:2")], clock.now())
        await uow.session.exec(update(Delivery).where(Delivery.id <= 2)  # type: ignore[call-overload]
                               .values(status="failed", attempts=6, last_error=ERROR))
        await uow.session.exec(update(Delivery).where(Delivery.id == 4)  # type: ignore[call-overload]
                               .values(status="sent"))
        await uow.commit()


async def statuses(db: Database) -> list[str]:
    async with db.uow() as uow:
        return [row.status for row in (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()]


async def test_failed_lists_them_newest_first_and_retry_requeues(
        db: Database, clock: FakeClock, config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    await outbox(db, clock)
    status, out, err = await parvis(capsys, "outbox", "failed", "--config", config_file)
    assert status == 0, err
    assert out.splitlines() == [
        "id\tpurpose\tsource\ttarget\tattempts\tlast_error",
        f"2\tgroup.announcement\tannouncement:1\tchannel gc:1\t6\t{ERROR}",
        f"1\tquestion.answer\tquestion:1\tAna Martin\t6\t{ERROR}"]

    status, out, err = await parvis(capsys, "outbox", "retry", "2", "3", "--config", config_file)
    assert status == 1 and "(2)" in out and "3" in err  # 3 is pending, not failed
    assert await statuses(db) == ["failed", "pending", "pending", "sent"]
    status, out, err = await parvis(capsys, "outbox", "retry", "--all", "--config", config_file)
    assert status == 0 and "(1)" in out
    assert await statuses(db) == ["pending", "pending", "pending", "sent"]
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()
        audits = (await uow.session.exec(select(AuditEntry))).all()
    assert rows[0].attempts == 0 and rows[0].last_error == ERROR  # counted afresh, the cause still shown
    assert [(a.action, a.actor_id, a.detail["via"]) for a in audits] == [("outbox.retry", None, "cli")] * 2


@pytest.mark.parametrize("args", [("retry",), ("retry", "1", "--all"), ("retry", "x")])
async def test_retry_needs_numbers_or_all(db: Database, config_file: str, capsys: pytest.CaptureFixture[str],
                                          args: tuple[str, ...]) -> None:
    try:
        status, _, err = await parvis(capsys, "outbox", *args, "--config", config_file)
    except SystemExit as exit_:  # argparse refuses a number that is not one
        status, err = int(exit_.code or 0), capsys.readouterr().err
    assert status == 2 and err


async def test_metrics_count_pending_sending_and_failed_deliveries(
        db: Database, clock: FakeClock, database_url: str) -> None:
    await outbox(db, clock)
    config = Config.model_validate({"database": {"url": database_url}, "scheduler": {"enabled": False}})
    client = TestClient(TestServer(build_app(config)))
    await client.start_server()
    try:
        text = await (await client.get("/metrics")).text()
    finally:
        await client.close()
    assert 'parvis_outbox_deliveries{status="failed"} 2.0' in text
    assert 'parvis_outbox_deliveries{status="pending"} 1.0' in text
    assert 'parvis_outbox_deliveries{status="sending"} 0.0' in text
