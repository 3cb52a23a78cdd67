"""Relevance of ``expert find``.

Two sets: the demo organisation's (``tests/data/relevance.toml``: typos, synonyms, French and English,
word order and several-word topics; top-3 ≥ 95 %), and a workplace directory written apart from the
shipped vocabulary (``tests/data/workplace_relevance.toml`` over ``workplace_people.csv``: acronyms both
ways, clipped and fused words, accents and hyphens, everyday synonyms, in both languages; top-3 ≥ 97 %
and nobody at all for the queries that name nothing).
"""

from __future__ import annotations

import io
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from core.directory.importer import import_directory
from core.directory.search import find_experts
from core.ports import FakeClock
from core.runtime.db import Database
from tests.expert_support import import_demo

DATA = Path(__file__).parent / "data"
CASES = tomllib.loads((DATA / "relevance.toml").read_text(encoding="utf-8"))["queries"]
WORKPLACE = tomllib.loads((DATA / "workplace_relevance.toml").read_text(encoding="utf-8"))["queries"]
PEOPLE = DATA / "workplace_people.csv"
FAMILIES = ("exact", "typo", "synonym", "translation", "acronym", "expansion", "clipped", "fused", "accent",
            "multi", "nothing")


def test_the_set_is_large_and_varied() -> None:
    kinds = Counter(case["kind"] for case in CASES)
    assert len(CASES) >= 60 and all(kinds[k] >= 5 for k in ("typo", "synonym", "multi", "order"))


def test_the_workplace_set_covers_every_family_in_both_languages() -> None:
    people = PEOPLE.read_text(encoding="utf-8").splitlines()[1:]
    kinds = Counter((case["kind"], case["lang"]) for case in WORKPLACE)
    assert len(WORKPLACE) >= 200 and len(people) >= 60
    assert all(kinds[family, lang] >= 3 for family in FAMILIES for lang in ("en", "fr")), kinds
    assert all(case["expect"] for case in WORKPLACE if case["kind"] != "nothing")


async def _misses(db: Database, clock: FakeClock, cases: list[dict[str, Any]]) -> list[str]:
    """The cases whose top 3 holds none of the expected people (or, for ``nothing``, anyone),
    each as ``[kind] 'query': …``."""
    misses: list[str] = []
    async with db.uow() as uow:
        for case in cases:
            result = await find_experts(uow, db, case["q"], clock.now(), limit=3)
            top = [expert.name for expert in result.experts]
            if (not set(top) & set(case["expect"])) if case["expect"] else top:
                misses.append(f"[{case['kind']}] {case['q']!r}: got {top}, skills {result.skills}")
    return misses


def _report(name: str, cases: list[dict[str, Any]], misses: list[str]) -> float:
    rate = 1 - len(misses) / len(cases)
    print(f"\n{name}: top-3 hit rate {rate:.1%} over {len(cases)} queries")
    for miss in misses:
        print("  miss:", miss)
    return rate


async def test_top_3_hit_rate(db: Database, clock: FakeClock) -> None:
    await import_demo(db, clock)
    misses = await _misses(db, clock, CASES)
    assert _report("expert find relevance (demo)", CASES, misses) >= 0.95, misses


async def test_workplace_top_3_hit_rate_and_nothing_for_nothing(db: Database, clock: FakeClock) -> None:
    with PEOPLE.open(encoding="utf-8", newline="") as lines:
        report = await import_directory(db, io.StringIO(lines.read(), newline=""), clock=clock)
    assert report.errors == [] and report.created >= 60
    misses = await _misses(db, clock, WORKPLACE)
    by_kind = Counter(miss[1:].split("]", 1)[0] for miss in misses)
    print("\nmisses by family:", dict(by_kind))
    rate = _report("expert find relevance (workplace)", WORKPLACE, misses)
    assert not any(miss.startswith("[nothing]") for miss in misses), "an expert for a query naming nothing"
    assert rate >= 0.97, misses
