"""The mixed-workload and burst benchmarks still run: their quick modes, end to end (``parvis serve``
as a subprocess, signed requests, the fake Slack API), on SQLite. Timing targets are for the full
runs on a quiet machine; what a quick run must show is that every request was answered and every
click stored once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick(name: str) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), "--quick"], cwd=ROOT,
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
