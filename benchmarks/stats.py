"""Statistics benchmark: ``stats 12`` over an organisation with a year of activity.

    .venv/bin/python benchmarks/stats.py [--members 10000] [--weeks 52] [--database-url URL]

Generates, with bulk inserts (a few seconds for 10,000 members): members in 40 departments (a few
smaller than the anonymity minimum), roles, 30 groups, ``--weeks`` weeks of activity events (each
member active about half the weeks, one to three events each, on Slack or Teams) with their weekly
roll-up as the batched writer keeps it, a weekly campaign to a group of a thousand (deliveries and
anonymous responses), and expert questions with their answers. Then times ``core.stats.service.gather``
for ``stats 12`` as an admin (the organisation) and as a member (their groups), counts the SQL
statements each runs, and times the chart apart. Target (issue 15): under 1 s, on SQLite and on
PostgreSQL. ``--members 100000`` checks the scale the issue names (generation takes a few minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import core.schema  # noqa: E402,F401
from core.activity.weeks import week_of  # noqa: E402
from core.i18n import Translator  # noqa: E402
from core.runtime.db import Database  # noqa: E402
from core.schema import (  # noqa: E402
    ActivityEvent,
    ActivityWeek,
    Answer,
    Campaign,
    CampaignPrompt,
    Delivery,
    Group,
    GroupMember,
    Member,
    MemberRole,
    Question,
    Response,
    Round,
)
from core.stats import charts, service  # noqa: E402
from core.stats.figures import Scope  # noqa: E402
from core.text import sort_key  # noqa: E402

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
CHUNK = 20_000


async def bulk(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    table = model.__table__
    for start in range(0, len(rows), CHUNK):
        async with db.uow() as uow:
            await uow.session.exec(insert(table), params=rows[start:start + CHUNK])  # type: ignore[call-overload]
            await uow.commit()


async def generate(db: Database, members: int, weeks: int, seed: int = 15) -> int:
    rng = random.Random(seed)
    start = NOW - timedelta(weeks=weeks)
    people = [{"id": n, "email": f"p{n}@example.com", "display_name": f"Person {n}",
               "department": f"Department {n % 40}" if n % 997 else "Tiny",
               "created_at": start + timedelta(days=rng.randrange(0, 60)), "timezone": "UTC",
               "locale": "en", "locale_chosen": False, "campaign_opt_out": False, "title": "", "location": ""}
              for n in range(1, members + 1)]
    await bulk(db, Member, people)
    await bulk(db, MemberRole, [{"member_id": n, "role": "animator", "granted_at": start}
                                for n in range(1, members + 1, 200)])
    await bulk(db, Group, [{"id": g, "slug": f"group-{g}", "name": f"Group {g}", "description": "",
                            "tags": [], "visibility": "public", "created_at": start} for g in range(1, 31)])
    memberships = {(rng.randrange(1, 31), n) for n in range(1, members + 1) for _ in range(3)}
    memberships |= {(1, n) for n in range(1, min(members, 1000) + 1)}
    await bulk(db, GroupMember, [{"group_id": g, "member_id": n, "role": "member",
                                  "name_key": sort_key(f"Person {n}"),
                                  "joined_at": start + timedelta(days=rng.randrange(0, weeks * 7))}
                                 for g, n in memberships])
    events, rollup = [], set()
    for n in range(1, members + 1):
        for week in range(weeks + 1):
            if rng.random() < 0.5:
                for _ in range(rng.randrange(1, 4)):
                    at = start + timedelta(weeks=week, minutes=rng.randrange(0, 7 * 24 * 60))
                    if at <= NOW:
                        platform = "slack" if n % 3 else "teams"
                        events.append({"member_id": n, "kind": "command", "platform": platform,
                                       "at": at, "detail": {"name": "help"}})
                        rollup.add((week_of(at), n, platform))
    await bulk(db, ActivityEvent, events)
    await bulk(db, ActivityWeek, [{"week": w, "member_id": n, "platform": p} for w, n, p in rollup])
    await bulk(db, Campaign, [{"id": 1, "title": "Weekly pulse", "created_by": 1, "anonymous": True,
                               "audience": {"groups": [1], "mode": "direct"}, "status": "running",
                               "created_at": start, "texts": {}}])
    await bulk(db, CampaignPrompt, [{"id": 1, "campaign_id": 1, "position": 1, "kind": "scale",
                                     "text": "Mood?", "options": [], "texts": {}}])
    audience = [n for g, n in memberships if g == 1]
    await bulk(db, Round, [{"id": r, "campaign_id": 1, "index": r, "due_at": start + timedelta(weeks=r),
                            "wall": f"{start + timedelta(weeks=r):%Y-%m-%dT%H:%M}"}
                           for r in range(1, weeks + 1)])
    deliveries, responses = [], []
    for r in range(1, weeks + 1):
        for n in audience:
            deliveries.append({"source": f"round:{r}", "round_id": r, "purpose": "prompt",
                               "target_kind": "member", "target_id": str(n), "payload": {},
                               "status": "sent", "attempts": 1, "message_ref": {}})
            if rng.random() < 0.4:
                responses.append({"id": r * 1_000_000 + n, "round_id": r, "prompt_id": 1,
                                  "respondent": f"h{r}-{n}", "scale": rng.randrange(1, 6),
                                  "answered_at": start + timedelta(weeks=r)})
    await bulk(db, Delivery, deliveries)
    await bulk(db, Response, responses)
    questions, answers = [], []
    for q in range(1, members // 2 + 1):
        asked = start + timedelta(minutes=rng.randrange(0, weeks * 7 * 24 * 60))
        status = rng.choice(("answered", "answered", "closed", "expired"))
        questions.append({"id": q, "asker_id": rng.randrange(1, members + 1), "text": "a question",
                          "skills": [], "status": status, "hops": 0, "reusable": False, "created_at": asked,
                          "escalated_at": asked if rng.random() < 0.2 else None})
        if status == "answered":
            answers.append({"question_id": q, "author_id": 1, "text": "an answer",
                            "created_at": asked + timedelta(minutes=rng.randrange(5, 3000))})
    await bulk(db, Question, questions)
    await bulk(db, Answer, answers)
    return len(events)


async def timed(db: Database, label: str, scope: Scope, member_id: int, roles: frozenset[str]) -> None:
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        for attempt in ("cold", "warm"):
            statements = 0
            began = time.perf_counter()
            async with db.uow() as uow:
                found = await service.gather(uow, scope, NOW, 12, 3, member_id=member_id, roles=roles)
            took = time.perf_counter() - began
            verdict = "ok" if took < 1 else "OVER the 1 s target"
            print(f"  {label:<28} {attempt}: {took * 1000:7.0f} ms, {statements} statements ({verdict})")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    began = time.perf_counter()
    png = charts.stats_png(found, Translator("en", plain=True))
    print(f"  {label:<28} chart: {(time.perf_counter() - began) * 1000:5.0f} ms, {len(png)} bytes")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="parvis-stats-bench-")
    db = Database(args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db")
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.drop_all)
        await conn.run_sync(SQLModel.metadata.create_all)
    began = time.perf_counter()
    events = await generate(db, args.members, args.weeks)
    if db.dialect == "postgresql":
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    print(f"{args.members} members, {args.weeks} weeks, {events} events generated in "
          f"{time.perf_counter() - began:.1f} s on {db.dialect}")
    await timed(db, "stats 12 (organisation)", Scope(), 1, frozenset({"admin"}))
    await timed(db, "stats 12 (a member's groups)", Scope("groups", (1, 2, 3)), 2, frozenset())
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
