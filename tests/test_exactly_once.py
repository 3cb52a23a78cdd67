"""Exactly-once delivery across processes and a kill -9 (issues 4 and 12), on PostgreSQL: direct
messages of a campaign round and channel posts of announcements (deliveries of other sources).

Each dispatcher is a real ``python`` process (``tests/dispatch_process.py``) whose messenger appends
one line per accepted message to a shared log; the log is the recipients' view of what arrived.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from core.delivery.outbox import Source, Target, enqueue
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import Delivery
from tests.delivery_support import PURPOSE, make_round

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 1000
#: channel posts of as many announcements (sources other than a round: no ``round_id``)
CHANNELS = 200
RECIPIENTS = MEMBERS + CHANNELS


@pytest.fixture(autouse=True)
def _postgresql_only(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("exactly-once across processes relies on PostgreSQL (FOR UPDATE SKIP LOCKED); "
                    "a SQLite installation runs a single process — set PARVIS_TEST_DATABASE_URL")


def start(url: str, log: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.dispatch_process", url, str(log), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


async def materialise(db: Database, clock: FakeClock) -> None:
    """One round to ``MEMBERS`` members and ``CHANNELS`` announcements of one channel post each, all
    due long ago (the processes run on the real clock)."""
    round_id, targets = await make_round(db, MEMBERS, clock.now())
    async with db.uow() as uow:
        assert len(await enqueue(uow, Source("round", round_id), PURPOSE, targets, clock.now())) == MEMBERS
        for i in range(CHANNELS):
            channel = [Target.channel(f"C{i}")]
            assert len(await enqueue(uow, Source("announcement", i), PURPOSE, channel, clock.now())) == 1
        await uow.commit()


def finish(process: subprocess.Popen[str]) -> int:
    """Wait for the process and close its pipe; its exit status."""
    process.communicate(timeout=60)
    return process.returncode


def received(log: Path) -> Counter[str]:
    return Counter(line.split()[0] for line in log.read_text().splitlines())


async def statuses(db: Database) -> dict[str, int]:
    async with db.uow() as uow:
        statement = select(Delivery.status, func.count()).group_by(col(Delivery.status))
        return dict((await uow.session.exec(statement)).all())


async def test_two_dispatcher_processes_message_each_recipient_exactly_once(
        db: Database, database_url: str, clock: FakeClock, tmp_path: Path) -> None:
    await materialise(db, clock)
    log, go = tmp_path / "received.log", tmp_path / "go"
    processes = [start(database_url, log, "--name", name, "--concurrency", "8", "--delay", "0.005",
                       "--go", str(go)) for name in ("a", "b")]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    go.touch()
    for process in processes:
        assert finish(process) == 0
    counts = received(log)
    by_process = Counter(line.split()[1] for line in log.read_text().splitlines())
    print(f"\n{RECIPIENTS} recipients, messages per process: {dict(by_process)}")
    assert len(counts) == RECIPIENTS and set(counts.values()) == {1}
    assert by_process["a"] > 0 and by_process["b"] > 0  # both really dispatched
    assert await statuses(db) == {"sent": RECIPIENTS}


async def test_a_killed_dispatcher_restarted_loses_nobody_and_duplicates_only_in_flight(
        db: Database, database_url: str, clock: FakeClock, tmp_path: Path) -> None:
    concurrency = 8
    await materialise(db, clock)
    log = tmp_path / "received.log"
    victim = start(database_url, log, "--name", "victim", "--concurrency", str(concurrency),
                   "--delay", "0.01")
    deadline = time.monotonic() + 30
    while not log.exists() or len(log.read_text().splitlines()) < RECIPIENTS // 3:
        assert time.monotonic() < deadline and victim.poll() is None
        await asyncio.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    finish(victim)
    at_kill = await statuses(db)
    assert at_kill.get("pending", 0) > 0, "the kill must land in the middle of the round"
    restarted = start(database_url, log, "--name", "restarted", "--concurrency", str(concurrency),
                      "--lease", "0.5")
    assert finish(restarted) == 0
    counts = received(log)
    duplicates = sum(count - 1 for count in counts.values())
    print(f"\nkilled with {at_kill.get('sending', 0)} deliveries in flight (concurrency {concurrency}); "
          f"duplicates after restart: {duplicates}; unmessaged: {RECIPIENTS - len(counts)}")
    assert len(counts) == RECIPIENTS
    assert duplicates <= at_kill.get("sending", 0) <= concurrency
    assert await statuses(db) == {"sent": RECIPIENTS}
