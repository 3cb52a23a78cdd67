"""Relevance of ``expert find`` over the demo organisation: typos, synonyms, French and English,
word order and several-word topics (tests/data/relevance.toml). The top-3 hit rate must be ≥ 95 %."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

from core.directory.search import find_experts
from core.ports import FakeClock
from core.runtime.db import Database
from tests.expert_support import import_demo

DATA = Path(__file__).parent / "data" / "relevance.toml"
CASES = tomllib.loads(DATA.read_text(encoding="utf-8"))["queries"]


def test_the_set_is_large_and_varied() -> None:
    kinds = Counter(case["kind"] for case in CASES)
    assert len(CASES) >= 60 and all(kinds[k] >= 5 for k in ("typo", "synonym", "multi", "order"))


async def test_top_3_hit_rate(db: Database, clock: FakeClock) -> None:
    await import_demo(db, clock)
    misses: list[str] = []
    async with db.uow() as uow:
        for case in CASES:
            result = await find_experts(uow, db, case["q"], clock.now(), limit=3)
            top = [expert.name for expert in result.experts]
            if not set(top) & set(case["expect"]):
                misses.append(f"{case['q']!r} ({case['kind']}): got {top}, skills {result.skills}")
    rate = 1 - len(misses) / len(CASES)
    print(f"\nexpert find relevance: top-3 hit rate {rate:.1%} over {len(CASES)} queries")
    for miss in misses:
        print("  miss:", miss)
    assert rate >= 0.95, misses
