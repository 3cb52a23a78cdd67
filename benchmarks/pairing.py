"""Benchmark: ``core.pairing.matching.match`` against the greedy baseline (``core.pairing.baseline``).

For generated groups of 10, 101 and 2,000 people (7 departments of uneven sizes, 4 sites), plays
several consecutive rounds with "avoid anyone met in the last 12 rounds" and "prefer other
departments" for each algorithm, and prints per group size: repeats within the window (pairs of
people who met again), the share of pairs from different departments, and the mean time per round.
Ours must be at least as good as greedy on repeats and cross-department share.

Run: ``.venv/bin/python benchmarks/pairing.py [--rounds 8] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Iterable, Sequence

from core.pairing.baseline import greedy
from core.pairing.matching import Costs, Group, Participant, Preferences, cross_share, match, repeats

Algorithm = Callable[[Sequence[Participant], Sequence[Iterable[Group]], Preferences, random.Random],
                     list[Group]]
WINDOW = 12
DEPARTMENT_WEIGHTS = (30, 20, 15, 12, 10, 8, 5)


def people(count: int, rng: random.Random) -> list[Participant]:
    """``count`` people in uneven departments (one holds almost a third) and four sites."""
    departments = rng.choices(range(len(DEPARTMENT_WEIGHTS)), weights=DEPARTMENT_WEIGHTS, k=count)
    return [Participant(index + 1, f"dept-{department}", f"site-{rng.randrange(4)}")
            for index, department in enumerate(departments)]


def play(algorithm: Algorithm, group: list[Participant], rounds: int, seed: int) -> tuple[int, float, float]:
    """Repeats, mean cross-department share, mean seconds per round over ``rounds`` rounds."""
    rng, by_id = random.Random(seed), {person.id: person for person in group}
    history: list[list[Group]] = []
    repeated, shares, seconds = 0, 0.0, 0.0
    preferences = Preferences(cross_department=True)
    for _ in range(rounds):
        recent = history[:WINDOW]
        started = time.perf_counter()
        groups = algorithm(group, recent, preferences, rng)
        seconds += time.perf_counter() - started
        repeated += repeats(groups, Costs(group, recent, Preferences()))
        shares += cross_share(groups, by_id)
        history.insert(0, groups)
    return repeated, shares / rounds, seconds / rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    print(f"{'people':>7} {'algorithm':>9} {'repeats':>8} {'cross-dept':>10} {'s/round':>8}")
    for count in (10, 101, 2000):
        group = people(count, random.Random(options.seed + count))
        for name, algorithm in (("ours", match), ("greedy", greedy)):
            repeated, share, seconds = play(algorithm, group, options.rounds, options.seed)
            print(f"{count:>7} {name:>9} {repeated:>8} {share:>10.1%} {seconds:>8.3f}")


if __name__ == "__main__":
    main()
