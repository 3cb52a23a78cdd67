"""core.stats: every figure of ``stats`` equals the one computed here, on its own, from the raw rows —
the events as the batched writer received them, the questions, answers, deliveries and responses —
and no figure by department, role or group is about fewer than the anonymity minimum."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.runtime.db import Database
from core.stats import privacy, service
from core.stats.figures import Scope, Share, Stats
from tests.stats_support import NOW, Org, populate

MINIMUM = 3


def monday(moment: datetime) -> datetime:
    day = moment.date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(), tzinfo=UTC)


async def gathered(db: Database, scope: Scope, weeks: int, roles: frozenset[str] = frozenset({"admin"}),
                   member_id: int = 30) -> Stats:
    async with db.uow() as uow:
        return await service.gather(uow, scope, NOW, weeks, MINIMUM, member_id=member_id, roles=roles)


def expected_weeks(org: Org, people: set[int], first: datetime, weeks: int) -> list[tuple[date, int, int]]:
    """Per week: who was active (erased members too: their history stays), and who was in the
    directory (created before the week's end, not erased before it began)."""
    scope = {m["id"]: m for m in org.members if m["id"] in people}
    rows = []
    for n in range(weeks):
        start = first + timedelta(weeks=n)
        end = start + timedelta(weeks=1)
        active = {e["member_id"] for e in org.events if start <= e["at"] < end and e["member_id"] in scope}
        population = sum(1 for m in scope.values()
                         if m["created_at"] < end and (m["erased_at"] is None or m["erased_at"] >= start))
        rows.append((start.date(), len(active), population))
    return rows


@pytest.mark.parametrize("weeks", [1, 4, 12])
async def test_every_organisation_figure_equals_the_raw_events(db: Database, weeks: int) -> None:
    org = await populate(db)
    found = await gathered(db, Scope(), weeks)
    first = monday(NOW) - timedelta(weeks=weeks - 1)
    end = monday(NOW) + timedelta(weeks=1)
    everyone = {m["id"] for m in org.members}
    expected = expected_weeks(org, everyone, first, weeks)
    assert [(w.start, w.active, w.population) for w in found.weeks] == expected
    live = {m["id"]: m for m in org.live()}
    active = {e["member_id"] for e in org.events if e["at"] >= first and e["member_id"] in live}
    assert (found.population, found.active) == (len(live), len(active))
    last = found.weeks[-1]
    on = {}
    for platform in ("slack", "teams"):
        on[platform] = len({e["member_id"] for e in org.events if e["platform"] == platform
                            and e["at"] >= monday(NOW)})
    assert dict(last.by_platform) == {p: n for p, n in on.items() if n}

    departments = {}
    for m in live.values():
        members, act = departments.get(m["department"], (0, 0))
        departments[m["department"]] = (members + 1, act + (m["id"] in active))
    raw = [Share(name, members, act) for name, (members, act) in departments.items()]
    assert found.departments == privacy.departments(raw, MINIMUM)
    assert all(row.members >= MINIMUM for row in found.departments)
    assert sum(row.members for row in found.departments) == len(live), "the small ones are gathered"

    holders = {}
    for member_id, role in org.roles:
        if member_id in live:
            holders.setdefault(role, set()).add(member_id)
    shown = {(row.label, row.members, row.active) for row in found.roles}
    assert shown == {(role, len(ids), len(ids & active)) for role, ids in holders.items()
                     if len(ids) >= MINIMUM}
    assert found.hidden_roles == sum(1 for ids in holders.values() if len(ids) < MINIMUM)

    for figure in found.groups:
        gid = {"data-science": 1, "cooking": 2}[figure.slug]
        members = [(m, j) for m, j in org.groups[gid] if m in live]
        assert (figure.members, figure.joined, figure.active) == (
            len(members), sum(j >= first for _, j in members), sum(m in active for m, _ in members))
    assert "tiny" not in {g.slug for g in found.groups}, "a group of two is about people"

    rounds = [(due.date(), asked, answered) for due, asked, answered in org.rounds.values()
              if first <= due < end]
    figures = [r for c in found.campaigns for r in c.rounds]
    assert [(r.due, r.recipients, r.respondents) for r in figures] == rounds

    asked = [q for q in org.questions if first <= q["created_at"] < end]
    firsts = {}
    for qid, at in org.answers:
        firsts[qid] = min(at, firsts.get(qid, at))
    minutes = sorted((firsts[q["id"]] - q["created_at"]).total_seconds() / 60
                     for q in asked if q["id"] in firsts)
    experts = found.experts
    assert (experts.asked, experts.answered, experts.reused, experts.escalated, experts.expired) == (
        len(asked), len(minutes), sum(q["reused"] for q in asked), sum(q["escalated"] for q in asked),
        sum(q["status"] == "expired" for q in asked))
    if minutes:
        assert experts.median_minutes == pytest.approx(statistics.median(minutes))
        assert experts.p90_minutes == pytest.approx(minutes[math.ceil(0.9 * len(minutes)) - 1])


async def test_group_scope_counts_only_the_members_of_the_groups(db: Database) -> None:
    org = await populate(db)
    found = await gathered(db, Scope("groups", (1,)), 4, roles=frozenset(), member_id=org.groups[1][0][0])
    first = monday(NOW) - timedelta(weeks=3)
    people = {m for m, _ in org.groups[1]}
    assert [(w.start, w.active, w.population) for w in found.weeks] == expected_weeks(org, people, first, 4)
    assert {g.slug for g in found.groups} == {"data-science"}
    assert [c.id for c in found.campaigns] == [1], "the campaign aimed at the group: its audience sees it"


async def test_a_scope_smaller_than_the_minimum_shows_no_figure_about_people(db: Database) -> None:
    org = await populate(db)
    found = await gathered(db, Scope("groups", (3,)), 4, roles=frozenset(), member_id=org.groups[3][0][0])
    assert found.withheld and found.weeks == () and found.departments == () and found.active == 0


def test_small_departments_are_gathered_until_the_gathering_is_large_enough() -> None:
    rows = [Share("A", 10, 5), Share("B", 4, 1), Share("C", 2, 2), Share("D", 1, 0)]
    assert privacy.departments(rows, 3) == (Share("A", 10, 5), Share("B", 4, 1), Share(None, 3, 2, merged=2))
    rows = [Share("A", 10, 5), Share("B", 4, 1), Share("C", 2, 2)]
    assert privacy.departments(rows, 3) == (Share("A", 10, 5), Share(None, 6, 3, merged=2))
    assert privacy.departments([Share("A", 1, 1), Share("B", 1, 0)], 3) == ()
