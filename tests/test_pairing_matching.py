"""The pairing algorithm without a database: nobody left out, no repeats while avoidable, other
departments first when asked, and never worse than the greedy baseline."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from core.pairing.baseline import greedy
from core.pairing.matching import (
    Costs,
    Group,
    Participant,
    Preferences,
    cross_share,
    match,
    repeats,
    sizes_for,
)


def _people(count: int, departments: int = 5, sites: int = 3) -> list[Participant]:
    return [Participant(index + 1, f"dept-{index % departments}", f"site-{index % sites}")
            for index in range(count)]


def _covers_everyone_once(groups: list[Group], people: list[Participant]) -> None:
    placed = [member for group in groups for member in group]
    assert sorted(placed) == sorted(person.id for person in people)


@pytest.mark.parametrize("count", [2, 3, 4, 5, 7, 10, 11, 101])
@pytest.mark.parametrize("size", [2, 3])
def test_everyone_is_placed_once_in_groups_of_two_or_three(count: int, size: int) -> None:
    people = _people(count)
    groups = match(people, [], Preferences(size=size), random.Random(count))
    _covers_everyone_once(groups, people)
    assert all(len(group) in (2, 3) for group in groups)
    if size == 2:
        assert sum(len(group) == 3 for group in groups) == count % 2  # one triple when odd, else none


def test_nobody_to_meet_under_two_people() -> None:
    assert match(_people(1), [], Preferences()) == []
    assert match([], [], Preferences()) == []
    assert sizes_for(4, 3) == [2, 2] and sizes_for(10, 3) == [3, 3, 2, 2] and sizes_for(7, 2) == [2, 2, 3]


def test_a_member_listed_twice_is_placed_once() -> None:
    people = _people(4)
    groups = match([*people, people[0]], [], Preferences(), random.Random(1))
    _covers_everyone_once(groups, people)


def test_the_only_possible_pairs_are_taken_even_when_they_repeat() -> None:
    people = _people(2)
    assert match(people, [[(1, 2)]], Preferences()) == [(1, 2)]


def test_a_repeat_is_avoided_when_another_arrangement_exists() -> None:
    people = _people(4)
    history = [[(1, 2), (3, 4)], [(1, 3), (2, 4)]]
    for seed in range(20):
        assert sorted(match(people, history, Preferences(), random.Random(seed))) == [(1, 4), (2, 3)]


def _rounds(count: int, departments: int, rounds: int, window: int, seed: int,
            algorithm: object) -> tuple[int, float, bool]:
    """Play ``rounds`` rounds; the repeats within the window, the mean cross-department share, and
    whether everyone was placed every time."""
    people = _people(count, departments)
    by_id = {person.id: person for person in people}
    rng = random.Random(seed)
    history: list[list[Group]] = []
    repeated, shares, complete = 0, [], True
    for _ in range(rounds):
        recent = history[:window]
        groups = algorithm(people, recent, Preferences(cross_department=True), rng)  # type: ignore[operator]
        repeated += repeats(groups, Costs(people, recent, Preferences()))
        shares.append(cross_share(groups, by_id))
        complete &= sorted(m for g in groups for m in g) == sorted(by_id)
        history.insert(0, groups)
    return repeated, sum(shares) / len(shares), complete


def test_26_fortnightly_rounds_of_40_in_5_departments_repeat_nobody_within_the_window() -> None:
    ours = _rounds(40, 5, 26, window=12, seed=7, algorithm=match)
    baseline = _rounds(40, 5, 26, window=12, seed=7, algorithm=greedy)
    print(f"\n40 people, 5 departments, 26 rounds: ours repeats={ours[0]} cross={ours[1]:.1%}; "
          f"greedy repeats={baseline[0]} cross={baseline[1]:.1%}")
    assert ours[2] and ours[0] == 0
    assert ours[0] <= baseline[0] and ours[1] >= baseline[1]


def test_an_odd_group_keeps_everyone_over_many_rounds() -> None:
    repeated, _, complete = _rounds(41, 4, 26, window=12, seed=3, algorithm=match)
    assert complete and repeated == 0


def test_other_departments_come_first_when_asked() -> None:
    people = _people(20, departments=2, sites=1)
    by_id = {person.id: person for person in people}
    mixed = match(people, [], Preferences(cross_department=True), random.Random(5))
    assert cross_share(mixed, by_id) == 1.0
    assert all(by_id[a].department != by_id[b].department for a, b in mixed)


def test_other_sites_come_next_when_departments_are_alike() -> None:
    people = [Participant(i, "sales", f"site-{i % 2}") for i in range(1, 11)]
    groups = match(people, [], Preferences(cross_department=True), random.Random(2))
    assert all(a % 2 != b % 2 for group in groups for a, b in combinations(group, 2))
