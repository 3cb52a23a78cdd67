"""Web console benchmark: the server time of every page at 5,000 members and 50 campaigns.

    .venv/bin/python benchmarks/web_pages.py [--members 5000] [--campaigns 50] [--requests 40]
                                             [--database-url URL] [--reuse] [--quick]

Generates the organisation of ``benchmarks/stats.py`` (members in departments, 30 groups, weeks of
activity, a campaign to a thousand, expert questions), then ``--campaigns`` campaigns in all, each
with a text, a choice and a scale prompt and four rounds sent to its group with about half
answering. Member 1, an animator and admin who created them, signs in through a sign-in link as
``dashboard`` gives it; the web console (``adapters/web``) is served in process by aiohttp and each
page is fetched ``--requests`` times over loopback HTTP. The server time of each request (from the
request's arrival to its response, measured by a middleware) gives the p50 and p95 per page; each
page's round trip as the client saw it is divided by that of a bare aiohttp handler on the same
server in the same run (the floor of loopback HTTP). The clock is the generated organisation's
(``benchmarks.stats.NOW``), so the adoption page's weeks hold the generated activity. ``--reuse``
measures again a database an earlier run generated (``--database-url``), without generating it.
Target (issue 18): p95 < 100 ms for every page. The server starts as ``parvis serve`` does (its
holidays start hook, then ``gc.freeze()``); the server's first preview is printed apart. The
latest figures, before and after the CSV and preview changes, are in benchmarks/README.md; those
below are the earlier session's.

Measured 7 December 2026 on the shared 2-core machine (load average about 3, so p95 carries other
sessions' noise), 5,000 members, 50 campaigns, 30 requests a page — server p95 in ms:

    page          SQLite  PostgreSQL   before (SQLite, same machine)
    campaigns       30.1        52.1   ~280
    campaign         8.7        14.8
    results         46.0        45.2   ~1,000
    results.csv  ~50–117        85.3   ~1,000   (p50 43.6; its p95 swings with the machine's load)
    new campaign     9.6        18.7   ~114
    groups           8.6        14.7
    group           30.8        40.3   ~180
    experts         17.4        22.7
    adoption        20.6        15.4   ~350     (first load in a minute: ~260 ms, figures then reused)
    sessions        26.1        15.3
    audit            8.6         9.8
    preview         99.2        40.3   ~380     (p50 26.9)
    bare aiohttp round trip p95: 0.55 ms (SQLite run), 0.58 ms (PostgreSQL run)

A second SQLite run (40 requests, load average 2.9–3.8) missed on two pages: results.csv p95 133.6 ms
(p50 49.3) and preview p95 105.5 ms (p50 34.6); every other page's p95 was under 70 ms, adoption's
first load 716 ms. In process, alone, the CSV's report takes 30–37 ms; its p95 doubles with the load.

What made the difference: reports counted by the database (``core.campaigns.aggregates``: GROUP BY per
round, prompt, choice and scale value, texts read as columns, at most 20 per prompt and round on the
page), indexes for a round's sent prompts and its distinct respondents, one member scan fewer and a
cheaper group-growth query in ``core.stats``, and the adoption figures reused for a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel, select  # noqa: E402

from adapters.web.app import console_app  # noqa: E402
from benchmarks.stats import NOW, bulk, generate  # noqa: E402
from bots.bootstrap import freeze_heap  # noqa: E402
from bots.server import HOLIDAYS, SERVICES, holiday_calendars  # noqa: E402
from core.capabilities import build_registry  # noqa: E402
from core.commands.router import CommandRouter  # noqa: E402
from core.registry import Registry  # noqa: E402
from core.runtime.db import Database  # noqa: E402
from core.schema import (  # noqa: E402
    Campaign,
    CampaignPrompt,
    Delivery,
    GroupMember,
    Identity,
    MemberRole,
    Response,
    Round,
)
from core.services import Services  # noqa: E402
from core.settings import GovernanceSettings, SecuritySettings, Settings, WebSettings  # noqa: E402
from core.web import sessions  # noqa: E402

TARGET_MS = 100.0
PAGES = (("campaigns", "/app/"), ("campaign", "/app/campaigns/2"), ("results", "/app/campaigns/2/results"),
         ("results.csv", "/app/campaigns/2/results.csv"), ("new campaign", "/app/campaigns/new"),
         ("groups", "/app/groups"), ("group", "/app/groups/group-2"), ("experts", "/app/experts?q=python"),
         ("adoption", "/app/adoption"), ("sessions", "/app/admin/sessions"), ("audit", "/app/admin/audit"))
PREVIEW = {"title": "Pulse", "groups": "group-2", "start": "2030-03-04", "time": "09:30",
           "recurrence": "weekly", "timezone": "local", "count": "5", "reminders": "1",
           "reminder_after": "24", "close_after": "72", "prompt-0-text": "How?", "prompt-0-kind": "scale"}


async def campaigns(db: Database, count: int, seed: int = 18) -> None:
    """Campaigns 2…``count`` by member 1, each aimed at one group, four rounds sent, about half answered."""
    rng = random.Random(seed)
    async with db.uow() as uow:
        groups: dict[int, list[int]] = {}
        for row in (await uow.session.exec(select(GroupMember))).all():
            groups.setdefault(row.group_id, []).append(row.member_id)
    rows, prompts, rounds, deliveries, responses = [], [], [], [], []
    for c in range(2, count + 1):
        group = 2 + c % 29
        rows.append({"id": c, "title": f"Campaign {c}", "created_by": 1, "anonymous": c % 3 == 0,
                     "audience": {"groups": [group], "mode": "direct"}, "status": "running",
                     "created_at": NOW - timedelta(weeks=5), "texts": {}})
        for p, (kind, options) in enumerate((("text", []), ("choice", ["A", "B", "C"]), ("scale", []))):
            prompts.append({"id": c * 10 + p, "campaign_id": c, "position": p + 1, "kind": kind,
                            "text": f"Prompt {p + 1}", "options": options, "texts": {}})
        for r in range(1, 5):
            round_id = c * 10 + r
            due = NOW - timedelta(weeks=5 - r)
            rounds.append({"id": round_id, "campaign_id": c, "index": r, "wall": f"{due:%Y-%m-%dT%H:%M}",
                           "due_at": due})
            for n in groups.get(group, []):
                deliveries.append({"source": f"round:{round_id}", "round_id": round_id, "purpose": "prompt",
                                   "target_kind": "member", "target_id": str(n), "payload": {},
                                   "status": "sent", "attempts": 1, "message_ref": {}})
                if rng.random() < 0.5:
                    for p, value in ((0, {"text": "fine", "choice": None, "scale": None}),
                                     (1, {"text": None, "choice": rng.choice("ABC"), "scale": None}),
                                     (2, {"text": None, "choice": None, "scale": rng.randrange(1, 6)})):
                        responses.append({"id": round_id * 100_000 + n * 3 + p, "round_id": round_id,
                                          "prompt_id": c * 10 + p, "respondent": str(n), "member_id": n,
                                          "answered_at": NOW, **value})
    await bulk(db, Campaign, rows)
    await bulk(db, CampaignPrompt, prompts)
    await bulk(db, Round, rounds)
    await bulk(db, Delivery, deliveries)
    await bulk(db, Response, responses)
    await bulk(db, Identity, [{"platform": "console", "tenant": "local", "user_id": "p1@example.com",
                               "member_id": 1, "conversation": {}, "created_at": NOW}])
    await bulk(db, MemberRole, [{"member_id": 1, "role": "admin", "granted_at": NOW}])


class Moving:
    """The generated organisation's "now" (``benchmarks.stats.NOW``), moving on as time passes, so that
    the adoption page's weeks and the campaigns' rounds are the generated ones, not an empty period."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def now(self) -> datetime:
        return NOW + timedelta(seconds=time.monotonic() - self.started)


def timer(times: dict[str, list[float]]) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def timed(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                    ) -> web.StreamResponse:
        start = time.perf_counter()
        try:
            return await handler(request)
        finally:
            times.setdefault(request.path_qs, []).append(1000 * (time.perf_counter() - start))
    return timed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


async def bare(_: web.Request) -> web.Response:
    """The floor: an aiohttp handler doing nothing, timed by the same middleware in the same run."""
    return web.Response(text="ok")


async def measure(services: Services, registry: Registry, requests: int,
                  trips: dict[str, list[float]]) -> dict[str, list[float]]:
    """Server times per page; ``trips`` gets each page's round trips as the client saw them."""
    times: dict[str, list[float]] = {}
    app = web.Application(middlewares=[timer(times)])
    app.router.add_get("/bare", bare)
    app.add_subapp("/app/", console_app(services, CommandRouter(services, registry)))
    app[SERVICES] = services
    app.cleanup_ctx.append(holiday_calendars)  # as ``parvis serve`` starts: the holidays loaded
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    await app[HOLIDAYS]
    freeze_heap()  # as ``parvis serve`` does once started: full collections skip the start-up heap
    try:
        async with services.db.uow() as uow:
            link = sessions.issue_link(uow, 1, services.clock.now())
            await uow.commit()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:  # an IP host
            base = str(server.make_url("")).rstrip("/")
            async with client.post(f"{base}/app/signin/{link}") as response:
                assert response.status == 200, await response.text()
                page = await response.text()
            csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            for name, path in (*PAGES, ("bare aiohttp", "/bare")):
                for n in range(requests + 2):
                    started = time.perf_counter()
                    async with client.get(base + path) as response:
                        assert response.status == 200, (path, response.status, (await response.text())[:300])
                        await response.read()
                    if n >= 2:
                        trips.setdefault(name, []).append(1000 * (time.perf_counter() - started))
            for n in range(requests + 2):
                started = time.perf_counter()
                async with client.post(f"{base}/app/campaigns/new", data={**PREVIEW, "csrf": csrf,
                                                                          "do": "preview"}) as response:
                    assert response.status == 200 and "Not done" not in await response.text()
                if n >= 2:
                    trips.setdefault("preview", []).append(1000 * (time.perf_counter() - started))
    finally:
        await server.close()
    trips["adoption, figures gathered"] = times["/app/adoption"][:1]  # the first load: nothing reused yet
    trips["preview, first"] = times["/app/campaigns/new"][requests + 2:requests + 3]
    return {name: times[path][2:] for name, path in (*PAGES, ("bare aiohttp", "/bare"))
            if path in times} | {"new campaign": times["/app/campaigns/new"][2:requests + 2],
                                 "preview": times["/app/campaigns/new"][requests + 4:]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url")
    parser.add_argument("--quick", action="store_true", help="300 members, 5 campaigns, 5 requests a page")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data already in --database-url (generated by an earlier run)")
    args = parser.parse_args()
    if args.quick:
        args.members, args.campaigns, args.weeks, args.requests = 300, 5, 4, 5
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db")
        started = time.perf_counter()
        if not args.reuse:
            async with db.engine.begin() as conn:
                await conn.run_sync(SQLModel.metadata.drop_all)
                await conn.run_sync(SQLModel.metadata.create_all)
            await generate(db, args.members, args.weeks)
            await campaigns(db, args.campaigns)
            async with db.engine.begin() as conn:  # the planner's statistics, as a live database has them
                await conn.execute(text("ANALYZE"))
        took = time.perf_counter() - started
        print(f"Web console pages — {db.engine.dialect.name}, {args.members} members, {args.campaigns} "
              f"campaigns (generated in {took:.1f} s), {args.requests} requests a page")
        secret = SecuritySettings(secret_key="benchmark-only-secret-key-0123456789abcdef")
        settings = Settings(security=secret,
                            governance=GovernanceSettings(require_charter=False),
                            web=WebSettings(public_url="http://127.0.0.1", session_hours=8))
        registry = build_registry()
        services = Services(db=db, renderers=registry, clock=Moving(), messengers={}, settings=settings)
        trips: dict[str, list[float]] = {}
        times = await measure(services, registry, args.requests, trips)
        times.pop("bare aiohttp")
        floor = p95(trips["bare aiohttp"])
        worst = 0.0
        print(f"  {'page':<14} {'server p50':>10} {'server p95':>10}  target   "
              "round-trip p95 ÷ bare aiohttp's")
        for name, values in times.items():
            worst = max(worst, p95(values))
            print(f"  {name:<14} {statistics.median(values):7.1f} ms {p95(values):7.1f} ms  "
                  f"{'OK    ' if p95(values) < TARGET_MS else 'MISSED'}   ×{p95(trips[name]) / floor:6.1f}")
        print(f"  adoption's first load (figures gathered, then reused for a minute): "
              f"{trips['adoption, figures gathered'][0]:.1f} ms")
        print(f"  the first preview (the server's first): {trips['preview, first'][0]:.1f} ms")
        print(f"  a bare aiohttp handler's round trip: p95 {floor:.2f} ms (same server, client and run)")
        print(f"slowest page p95 {worst:.1f} ms (target: < {TARGET_MS:.0f} ms) "
              f"{'OK' if worst < TARGET_MS else 'MISSED'}")
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
