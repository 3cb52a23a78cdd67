"""Who meets whom in a round: a pure function, no database, no clock.

``match(participants, history, preferences, rng)`` splits the participants into groups of the
preferred size (2 or 3). Nobody is ever left out: with pairs, an odd count makes one triple; with
triples, a count that does not divide by three makes one or two pairs. Among the ways to do it,
it looks for one of low *cost*:

- meeting someone met in the recent rounds (``history``, most recent first) costs ``REPEAT``, more the
  more recent the meeting, so a repeat is taken only when no arrangement avoids it;
- with ``cross_department``, two people of the same department cost ``SAME_DEPARTMENT`` and of the
  same site ``SAME_SITE`` (small beside a repeat: a new face first, another team second).

How: a random arrangement that deals the departments round-robin (so neighbours tend to differ),
then *repair* — for each group that costs something, try swapping one of its people with one of a
random other group, keeping swaps that lower the total. Each try costs a few set look-ups, so 2,000
people take a fraction of a second, where comparing everyone with everyone (the greedy baseline of
``benchmarks/pairing.py``) grows with the square of the group. The ``rng`` is given, so a test or a
round can replay it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

#: the cost of meeting again someone met in the latest round; older meetings cost a little less
REPEAT = 1000.0
#: how much cheaper each round further back makes a repeat
REPEAT_DECAY = 10.0
SAME_DEPARTMENT = 10.0
SAME_SITE = 3.0
#: random swap partners tried for each costly group in one repair pass
TRIES_PER_GROUP = 60
#: repair passes at most (each stops early when nothing improved)
MAX_PASSES = 12

Group = tuple[int, ...]


@dataclass(frozen=True)
class Participant:
    """One person taking part this round: their member id, department and site (may be empty)."""

    id: int
    department: str = ""
    site: str = ""


@dataclass(frozen=True)
class Preferences:
    """A group's pairing choices: group size (2 or 3) and whether to mix departments and sites."""

    size: int = 2
    cross_department: bool = False


def sizes_for(count: int, size: int) -> list[int]:
    """How many people in each group so that nobody is left out: ``[2, 2, 3]`` for 7 in pairs,
    ``[3, 3, 2, 2]`` for 10 in triples; ``[]`` under two people (nobody to meet)."""
    if count < 2:
        return []
    if size == 2 or count < 3:
        return [2] * (count // 2 - 1) + [count - 2 * (count // 2 - 1)]
    triples, rest = divmod(count, 3)
    if rest == 0:
        return [3] * triples
    if rest == 2:
        return [3] * triples + [2]
    return [3] * (triples - 1) + [2, 2]  # 4 left = two pairs, never a lone person


class Costs:
    """The cost of putting two people together, from the history and the preferences."""

    def __init__(self, participants: Sequence[Participant], history: Sequence[Iterable[Group]],
                 preferences: Preferences) -> None:
        self.people = {person.id: person for person in participants}
        self.cross = preferences.cross_department
        self.met: dict[tuple[int, int], float] = {}
        for age, groups in enumerate(history):
            weight = max(REPEAT - REPEAT_DECAY * age, REPEAT / 2)
            for group in groups:
                for a, b in combinations(sorted(group), 2):
                    if a in self.people and b in self.people:
                        self.met[(a, b)] = max(self.met.get((a, b), 0.0), weight)

    def pair(self, a: int, b: int) -> float:
        cost = self.met.get((a, b) if a < b else (b, a), 0.0)
        if self.cross:
            one, other = self.people[a], self.people[b]
            if one.department and one.department == other.department:
                cost += SAME_DEPARTMENT
            if one.site and one.site == other.site:
                cost += SAME_SITE
        return cost

    def group(self, members: Sequence[int]) -> float:
        return sum(self.pair(a, b) for a, b in combinations(members, 2))

    def repeated(self, a: int, b: int) -> bool:
        return ((a, b) if a < b else (b, a)) in self.met


def _dealt(participants: Sequence[Participant], rng: random.Random) -> list[int]:
    """Everyone in a random order where consecutive people tend to come from different departments:
    shuffled within each department, then dealt from the departments in turn, largest first."""
    by_department: dict[str, list[int]] = {}
    for person in participants:
        by_department.setdefault(person.department, []).append(person.id)
    piles = list(by_department.values())
    for pile in piles:
        rng.shuffle(pile)
    rng.shuffle(piles)
    piles.sort(key=len, reverse=True)
    order: list[int] = []
    while piles:
        order += [pile.pop() for pile in piles]
        piles = [pile for pile in piles if pile]
    return order


def _repair(groups: list[list[int]], costs: Costs, rng: random.Random) -> None:
    """Swap people between a costly group and random others while that lowers the total cost."""
    if len(groups) < 2:
        return
    for _ in range(MAX_PASSES):
        improved = False
        for index in range(len(groups)):
            mine = groups[index]
            cost = costs.group(mine)
            for _ in range(TRIES_PER_GROUP if cost > 0 else 0):
                other_index = rng.randrange(len(groups) - 1)
                other_index += other_index >= index
                other = groups[other_index]
                i, j = rng.randrange(len(mine)), rng.randrange(len(other))
                before = cost + costs.group(other)
                mine[i], other[j] = other[j], mine[i]
                after_mine = costs.group(mine)
                if after_mine + costs.group(other) < before:
                    cost, improved = after_mine, True
                    if cost == 0:
                        break
                else:
                    mine[i], other[j] = other[j], mine[i]
        if not improved:
            return


def match(participants: Sequence[Participant], history: Sequence[Iterable[Group]],
          preferences: Preferences, rng: random.Random | None = None) -> list[Group]:
    """Groups for one round: everyone in exactly one group of 2 or 3 (none under two people).

    ``history`` is the groups of the recent rounds, most recent first: meeting someone again from
    there is avoided whenever another arrangement allows it.
    """
    rng = rng or random.Random()
    unique = list({person.id: person for person in participants}.values())
    sizes = sizes_for(len(unique), preferences.size)
    if not sizes:
        return []
    costs = Costs(unique, history, preferences)
    order = _dealt(unique, rng) if preferences.cross_department else [p.id for p in unique]
    if not preferences.cross_department:
        rng.shuffle(order)
    groups: list[list[int]] = []
    start = 0
    for size in sizes:
        groups.append(order[start:start + size])
        start += size
    _repair(groups, costs, rng)
    return [tuple(sorted(group)) for group in groups]


def repeats(groups: Iterable[Group], costs: Costs) -> int:
    """How many pairs of people in ``groups`` met within the history ``costs`` was built from."""
    return sum(costs.repeated(a, b) for group in groups for a, b in combinations(group, 2))


def cross_share(groups: Iterable[Group], people: dict[int, Participant]) -> float:
    """The share of pairs of people (two per pair… three per triple) from different departments."""
    pairs = [(a, b) for group in groups for a, b in combinations(group, 2)]
    if not pairs:
        return 0.0
    return sum(people[a].department != people[b].department for a, b in pairs) / len(pairs)
