"""Mixed-workload benchmark: real traffic through ``parvis serve``, beside a bare aiohttp handler.

    .venv/bin/python benchmarks/mixed.py [--database sqlite|postgresql] [--members 5000] [--users 200]
        [--quick] [--trace] [--profile FILE] [--only LABELS] [--uncached]

What runs: a fake Slack Web API in this process (``tests/fakes/slack_api.py``), ``parvis serve`` as a
subprocess with ``[slack]`` pointing at it, and a bare aiohttp handler in another subprocess (the
ceiling of any aiohttp app on this machine). The directory (``benchmarks/workload.py``: 5,000
members, their skills, titles, time zones and languages, a few animators and referents) is loaded with
``parvis directory import``; 200 of its members are Slack users. Before measuring, those users create
30 groups (every fifth private), join three each, animators create and start five campaigns, twenty
questions are asked; the other members are put in groups directly in the database (as if they had
joined over the months), and PostgreSQL's planner statistics are gathered.

The traffic is ``workload.Traffic``: varied expert topics (typos, accents, French aliases, sentences,
topics nobody knows), group list with and without a query, group info and members, joins and leaves,
expert me and add, help and its areas, ask, question list, campaign list — one request in six writes,
so the reply cache is dropped every few requests and most commands take the uncached path. Every
request is a signed slash command to ``/slack/events``.

Measured: after one unmeasured pass, ``--single`` requests at one connection (p50 and p99 per
command), then ``--rounds`` rounds of ``--requests`` requests at 50 connections, the servers taking
turns (bare, parvis, bare, …) so that load from elsewhere on the machine lands on both alike; a
server's rate is the median of its rounds, its percentiles over all its requests.

Targets (issue 13): at one connection every command's p50 < 2 ms on SQLite, < 3 ms on PostgreSQL,
``ask`` < 10 ms; at 50 connections throughput ≥ 0.10× the bare handler's and p99 < 250 ms.

Diagnostics: ``--only LABEL[,LABEL…]`` sends only those commands of the mix (in the mix's proportions
to each other, e.g. ``--only "group list"``), ``--uncached`` starts the server with the reply cache
answering nothing (``benchmarks/uncached/sitecustomize.py``): together they give what one command
costs when it runs (server CPU per request at 50 connections). The targets are for the whole mix
with its cache: such a run prints them but always exits 0.

``--database postgresql`` creates a throw-away database (``--database-url``, else
``$PARVIS_BENCH_POSTGRES_URL`` + ``_mixed``, by default ``parvis_bench_mixed`` on the local server)
and drops it at the end. ``--trace`` counts SQL statements and transactions per command in the server
(``benchmarks/trace_server.py``); ``--profile FILE`` runs the server under cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    VERDICT,
    Run,
    arguments,
    cpu_seconds,
    free_port,
    load,
    percentile,
    serving,
    start,
    wait_up,
)
from workload import GROUPS, Traffic, directory_csv, slack_users, tomorrow  # noqa: E402

from tests.fakes.slack_api import FakeSlackApi  # noqa: E402

CONNECTIONS = 50


@dataclass(frozen=True)
class Targets:
    p50_ms: float
    ask_ms: float = 10.0
    ratio: float = 0.10
    p99_ms: float = 250.0


TARGETS = {"sqlite": Targets(2.0), "postgresql": Targets(3.0)}


async def populate(url: str, members: int, users: int, rng: random.Random) -> None:
    """Put the directory's other members in public groups (0–4 each, a few groups much larger than
    the rest), then gather the planner's statistics as autovacuum would have."""
    from sqlalchemy import insert, select, text

    from core.runtime.db import Database
    from core.schema import Group, GroupMember, Member

    db = Database(url)
    try:
        async with db.uow() as uow:
            public = (await uow.session.exec(select(Group.id).where(Group.visibility == "public"))).all()
            ids = [row[0] for row in public]
            weights = [1 / (rank + 2) for rank in range(len(ids))]
            keys = dict((await uow.session.exec(select(Member.id, Member.name_key))).all())
            rows = [{"group_id": group, "member_id": n, "role": "member", "joined_at": datetime.now(UTC),
                     "name_key": keys[n]}
                    for n in range(users + 1, members + 1)
                    for group in set(rng.choices(ids, weights, k=rng.randint(0, 4)))]
            for first in range(0, len(rows), 2000):
                await uow.session.exec(insert(GroupMember), params=rows[first:first + 2000])  # type: ignore[call-overload]
            await uow.commit()
        async with db.engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    finally:
        await db.dispose()


async def count_rows(url: str, table: str) -> int:
    from sqlalchemy import text

    from core.runtime.db import Database

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    finally:
        await db.dispose()


async def measure(args: argparse.Namespace, traffic: Traffic, urls: dict[str, str],
                  pids: dict[str, int]) -> dict[str, Run]:
    """One connection (both servers), then interleaved rounds at 50 connections."""
    results: dict[str, Run] = {}
    await load(urls["parvis"], traffic.many(args.warmup), CONNECTIONS)  # caches and pools warm
    single = traffic.many(args.single)
    for name in ("bare", "parvis"):
        results[f"{name} 1"] = await load(urls[name], single, 1)
    rates: dict[str, list[float]] = {"bare": [], "parvis": []}
    for _ in range(args.rounds):
        batch = traffic.many(args.requests)
        for name in ("bare", "parvis"):
            before = cpu_seconds(pids[name])
            run = await load(urls[name], batch, CONNECTIONS)
            run.cpu_seconds = cpu_seconds(pids[name]) - before
            rates[name].append(run.rate)
            results.setdefault(f"{name} {CONNECTIONS}", Run()).merge(run)
    for name, each in rates.items():
        if not each:
            continue
        pooled = results[f"{name} {CONNECTIONS}"]
        pooled.seconds = pooled.count / statistics.median(each)
    return results


def report(backend: str, args: argparse.Namespace, results: dict[str, Run]) -> bool:
    """The figures against the targets; whether every target was met."""
    targets = TARGETS[backend]
    single, bare1 = results["parvis 1"], results["bare 1"]
    print(f"\nMixed workload — {backend}, {args.members:,} members, {args.users} Slack users, "
          f"{len(GROUPS)} groups; bare aiohttp p50 at one connection "
          f"{percentile(bare1.all(), 50) * 1000:.2f} ms")
    if diagnostic(args):
        sent = ", ".join(sorted(args.only)) if args.only else "the whole mix"
        cache = "; reply cache answering nothing" if args.uncached else ""
        print(f"diagnostic run: {sent}{cache} (the targets are the whole mix's)")
    print(f"one connection, {single.count} requests ({single.errors} errors):")
    print(f"  {'command':<22}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}   target p50")
    met = True
    for label in sorted(single.latencies, key=lambda k: -percentile(single.latencies[k], 50)):
        each = single.latencies[label]
        target = targets.ask_ms if label == "ask" else targets.p50_ms
        p50 = percentile(each, 50) * 1000
        met &= p50 < target
        print(f"  {label:<22}{len(each):>6}{p50:>9.2f}{percentile(each, 99) * 1000:>9.2f}   "
              f"< {target:g} ms {VERDICT[p50 < target]}")
    if not args.rounds:
        return met
    many, bare = results[f"parvis {CONNECTIONS}"], results[f"bare {CONNECTIONS}"]
    ratio = many.rate / bare.rate
    p99 = percentile(many.all(), 99) * 1000
    cpu = many.cpu_seconds * 1000 / many.count
    print(f"{CONNECTIONS} connections, {args.rounds} rounds of {args.requests} ({many.errors} errors): "
          f"parvis {many.rate:.0f} req/s, bare {bare.rate:.0f} req/s (medians of rounds)")
    print(f"  throughput {ratio:.3f}× bare (target ≥ {targets.ratio:g}×) {VERDICT[ratio >= targets.ratio]}; "
          f"p50 {percentile(many.all(), 50) * 1000:.1f} ms; p99 {p99:.1f} ms "
          f"(target < {targets.p99_ms:g} ms) {VERDICT[p99 < targets.p99_ms]}; "
          f"server CPU {cpu:.2f} ms/request")
    slowest = sorted(many.latencies, key=lambda k: -percentile(many.latencies[k], 50))[:5]
    print("  slowest p50 at 50 connections: " + ", ".join(
        f"{label} {percentile(many.latencies[label], 50) * 1000:.1f} ms" for label in slowest))
    return met and ratio >= targets.ratio and p99 < targets.p99_ms


def diagnostic(args: argparse.Namespace) -> bool:
    """Whether the run measures part of the workload (``--only``, ``--uncached``), not the mix."""
    return bool(args.only) or args.uncached


def labels(text: str) -> frozenset[str]:
    """``--only``: command labels of the mix, comma-separated."""
    known = {label for _, label, _ in Traffic(1, random.Random(), "").kinds(1)}
    wanted = frozenset(label.strip() for label in text.split(",") if label.strip())
    if not wanted or wanted - known:
        raise argparse.ArgumentTypeError(f"unknown command label(s) {sorted(wanted - known)}; "
                                         f"known: {', '.join(sorted(known))}")
    return wanted


def profiler(out: Path) -> list[str]:
    """The server's command line under cProfile, or pyinstrument (sampling, its call tree) for a
    ``.pyisession`` file (``python -m pyinstrument --load FILE`` shows it)."""
    if out.suffix == ".pyisession":
        return ["-m", "pyinstrument", "-i", "0.0002", "-r", "pyisession", "-o", str(out), "-m", "bots.cli"]
    return ["-m", "cProfile", "-o", str(out), "-m", "bots.cli"]


async def run(args: argparse.Namespace) -> bool:
    rng = random.Random(args.seed)
    # Block Kit is checked by burst.py and the tests: here the fake answers at once, as Slack would, instead
    # of spending the load generator's time (and so its clock) on validating every card and page
    api = await FakeSlackApi(users=slack_users(args.users), validate=False).start()
    wrapper = profiler(Path(args.profile).resolve()) if args.profile else None
    if args.uncached:  # the server subprocess imports benchmarks/uncached/sitecustomize.py
        os.environ["EXTRA_PYTHONPATH"] = os.pathsep + str(Path(__file__).resolve().parent / "uncached")
    async with serving(args, api, directory_csv(args.members, rng), "mixed", wrapper) as served:
        bare = free_port()
        served.processes["bare"] = start([sys.executable, str(Path(__file__).parent / "harness.py"),
                                          str(bare)], served.directory)
        await wait_up(f"http://127.0.0.1:{bare}/healthz", served.processes["bare"])
        urls = {"parvis": served.events, "bare": f"http://127.0.0.1:{bare}/slack/events"}
        traffic = Traffic(args.users, rng, api.response_url(), only=args.only)
        seeded = await load(urls["parvis"], traffic.seed(tomorrow()), 1)
        if seeded.errors or await count_rows(served.url, "campaign") != 5:
            raise RuntimeError("seeding failed: see the server's log in the temporary directory")
        await populate(served.url, args.members, args.users, rng)
        results = await measure(args, traffic, urls,
                                {name: process.pid for name, process in served.processes.items()})
        met = report(args.database, args, results)
    await api.stop()
    return met


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--users", type=int, default=200, help="Slack users among the members")
    parser.add_argument("--single", type=int, default=1500, help="requests at one connection")
    parser.add_argument("--requests", type=int, default=3000, help="requests per round at 50 connections")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--quick", action="store_true", help="a smoke run: small directory, few requests")
    parser.add_argument("--profile", metavar="FILE",
                        help="run parvis serve under cProfile (pyinstrument: FILE.pyisession)")
    parser.add_argument("--only", type=labels, default=frozenset(), metavar="LABELS",
                        help="send only these commands of the mix, comma-separated (a diagnostic)")
    parser.add_argument("--uncached", action="store_true",
                        help="the server's reply cache answers nothing: every read runs (a diagnostic)")
    args = parser.parse_args()
    if args.quick:
        args.members, args.users, args.single = 600, 40, 200
        args.requests, args.rounds, args.warmup = 400, 1, 100
    met = asyncio.run(run(args))
    return 0 if met or args.quick or diagnostic(args) else 1


if __name__ == "__main__":
    sys.exit(main())
