"""Relevance of ``expert find``.

Two sets: the demo organisation's (``tests/data/relevance.toml``: typos, synonyms, French and English,
word order and several-word topics; top-3 ≥ 95 %), and a workplace directory written apart from the
shipped vocabulary (``tests/data/workplace_relevance.toml`` over ``workplace_people.csv``: acronyms both
ways, clipped and fused words, accents and hyphens, everyday synonyms, in both languages; top-3 ≥ 97 %
and nobody at all for the queries that name nothing). A third, held out
(``tests/data/heldout_relevance.toml``, same directory), was written by people who never tuned the
matching on it and is kept apart so it stays a measure of what nobody tuned: top-3 ≥ 95 %, and nobody
for the queries that name nothing (hobbies, sports, food: "sailing" is not "emailing").
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
HELD_OUT = tomllib.loads((DATA / "heldout_relevance.toml").read_text(encoding="utf-8"))["queries"]
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


async def _import_workplace(db: Database, clock: FakeClock) -> None:
    with PEOPLE.open(encoding="utf-8", newline="") as lines:
        report = await import_directory(db, io.StringIO(lines.read(), newline=""), clock=clock)
    assert report.errors == [] and report.created >= 60


async def test_workplace_top_3_hit_rate_and_nothing_for_nothing(db: Database, clock: FakeClock) -> None:
    await _import_workplace(db, clock)
    misses = await _misses(db, clock, WORKPLACE)
    by_kind = Counter(miss[1:].split("]", 1)[0] for miss in misses)
    print("\nmisses by family:", dict(by_kind))
    rate = _report("expert find relevance (workplace)", WORKPLACE, misses)
    assert not any(miss.startswith("[nothing]") for miss in misses), "an expert for a query naming nothing"
    assert rate >= 0.97, misses


def test_the_held_out_set_is_apart_and_covers_names_nothing_in_both_languages() -> None:
    tuned = {case["q"].casefold() for case in WORKPLACE + CASES}
    nothing = Counter(case["lang"] for case in HELD_OUT if case["kind"] == "nothing")
    assert len(HELD_OUT) >= 80 and nothing["en"] >= 5 and nothing["fr"] >= 5
    assert {case["lang"] for case in HELD_OUT} == {"en", "fr"}
    # 30 of the 95 also happen to be in the tuned sets (26 of the lead's 40): the other 65 are the test
    assert len({case["q"].casefold() for case in HELD_OUT} - tuned) >= 65


async def test_held_out_top_3_hit_rate_and_nothing_for_nothing(db: Database, clock: FakeClock) -> None:
    await _import_workplace(db, clock)
    misses = await _misses(db, clock, HELD_OUT)
    rate = _report("expert find relevance (held out)", HELD_OUT, misses)
    assert [miss for miss in misses if miss.startswith("[nothing]")] == []
    assert rate >= 0.95, misses
