"""The greedy baseline ``core.pairing.matching.match`` is measured against (``benchmarks/pairing.py``,
``tests/test_pairing_matching.py``): what a simple pairing bot does.

Everyone in a random order; each person not yet placed takes, among all those not yet placed, the
one who costs least with them (not met recently, another department when asked); an odd one out
joins the last pair. It compares everyone with everyone, so its time grows with the square of the
group, and it never revisits an early choice that leaves the last people only repeats.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from core.pairing.matching import Costs, Group, Participant, Preferences


def greedy(participants: Sequence[Participant], history: Sequence[Iterable[Group]],
           preferences: Preferences, rng: random.Random | None = None) -> list[Group]:
    """Pairs (triples are not its business) chosen one person at a time, best partner first."""
    rng = rng or random.Random()
    costs = Costs(participants, history, preferences)
    free = [person.id for person in participants]
    rng.shuffle(free)
    groups: list[list[int]] = []
    while len(free) >= 2:
        person = free.pop()
        best = min(range(len(free)), key=lambda index: costs.pair(person, free[index]))
        groups.append([person, free.pop(best)])
    if free and groups:
        groups[-1].append(free.pop())
    return [tuple(sorted(group)) for group in groups]
