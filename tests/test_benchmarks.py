"""The mixed-workload and burst benchmarks still run: their quick modes, end to end (``parvis serve``
as a subprocess, signed requests, the fake Slack API), on SQLite. Timing targets are for the full
runs on a quiet machine; what a quick run must show is that every request was answered and every
click stored once. On PostgreSQL, the fan-out benchmark's two dispatching processes share one pace."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import PG_URL, fresh_database

ROOT = Path(__file__).resolve().parent.parent


def quick(name: str, *extra: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), "--quick", *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_mixed_workload_benchmark_runs() -> None:
    out = quick("mixed.py")
    assert "Mixed workload — sqlite" in out
    assert "one connection, 200 requests (0 errors)" in out
    assert "50 connections, 1 rounds of 400 (0 errors)" in out
    for command in ("expert find", "group list <query>", "group join", "ask", "campaign list"):
        assert f"  {command} " in out, command


def test_the_mixed_workload_benchmark_measures_one_command_with_the_reply_cache_off(tmp_path: Path) -> None:
    out = quick("mixed.py", "--only", "group list", "--uncached", "--workdir", str(tmp_path))
    assert "diagnostic run: group list; reply cache answering nothing" in out
    assert "50 connections, 1 rounds of 400 (0 errors)" in out
    # the one-connection table: "  <command>  <n>  <p50>  <p99>   < <target> ms OK"
    sent = set(re.findall(r"^  (\S.*?) +\d+ +[\d.]+ +[\d.]+ +< ", out, flags=re.MULTILINE))
    assert sent == {"group list"}, out
    log = "".join(path.read_text() for path in tmp_path.glob("server-*.log"))
    assert "ReplyCache: 0 hits" in log, log


def test_the_burst_benchmark_runs_and_stores_every_click_once() -> None:
    out = quick("burst.py")
    assert "a round to 300 members" in out and "300 prompts materialised and sent" in out
    assert "HTTP errors 0" in out
    assert ("stored: 300 answers for 300 members, 300 members with exactly one, "
            "300 holding their last click") in out
    assert "(target: every click stored once) OK" in out


def test_the_web_pages_benchmark_runs() -> None:
    out = quick("web_pages.py")
    assert "Web console pages — sqlite, 300 members, 5 campaigns" in out
    for page in ("campaigns", "results", "results.csv", "new campaign", "preview", "groups", "group",
                 "experts", "adoption", "sessions", "audit"):
        assert f"  {page} " in out, page
    assert "slowest page p95" in out


@pytest.mark.skipif(not PG_URL, reason="the shared pace needs PostgreSQL (PARVIS_TEST_DATABASE_URL)")
async def test_the_fanout_benchmark_shares_the_pace_across_processes(tmp_path: Path) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fanout.py"), "--processes", "2",
                               "--recipients", "120", "--baseline-recipients", "40", "--limit", "20",
                               "--database-url", url], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr
    out = done.stdout
    assert out.count("a dispatching process settled") == 4, out  # two runs of two processes
    assert "shared bucket in PostgreSQL     : 120/120 members messaged" in out, out
    assert "ok   429s <= 1 % of calls" in out and "ok   no duplicate, nobody missed" in out, out


def test_the_fanout_benchmark_runs_in_one_process() -> None:
    """Its fake platform is a ``Messenger`` as the dispatcher calls it (with the ``Progress`` of an
    earlier attempt): every member messaged once, nobody who should not be."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fanout.py"), "--recipients", "200",
                           "--baseline-recipients", "50", "--limit", "200"], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    assert "Traceback" not in done.stderr, done.stderr
    assert "ok   no duplicate, nobody missed" in done.stdout, done.stdout
    assert "ok   away, opted-out and erased members not messaged" in done.stdout, done.stdout
