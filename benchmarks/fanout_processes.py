"""``benchmarks/fanout.py --processes N``: N real processes dispatch one outbox on PostgreSQL.

The parent fills the outbox (a campaign round to ``--recipients`` members with Slack identities, as
``fanout.prepare`` does) and starts the fake Slack Web API (``tests/fakes/slack_api.py``) with a
server-side limit on ``chat.postMessage``: ``--limit`` messages/s, burst 10, past it HTTP 429 with
``Retry-After: 1``. Then N child processes (this file, ``child``) each run a ``Dispatcher`` with
Parvis's own ``SlackMessenger`` on that API, the campaign's renderer, and ``--concurrency`` sends in
flight, until nothing is left to send. Their pace is configured at 98 % of the limit, either:

- ``shared``: one row in PostgreSQL for all (``core.delivery.sharedpace``) — what ``parvis serve``
  and ``parvis worker`` use on PostgreSQL;
- ``local``: each process its own bucket (the baseline: N processes send N times the rate).

Printed, from the fake API's own record: combined accepted sends/s against the limit, the share of
calls answered 429, duplicates (a member messaged twice) and members missed. Targets (issue 13, two
processes, shared): ≥ 90 % of the limit, ≤ 1 % 429s, 0 duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi  # noqa: E402

TEAM = "T0PARVIS"
POST = "chat.postMessage"
#: the client-side rate as a share of the platform's limit (headroom for clock and network jitter)
CLIENT_SHARE = 0.98


async def child(url: str, api_url: str, limit: float, concurrency: int, pace: str) -> None:
    """One dispatching process: send what is due until no row is pending or sending."""
    from fanout import unsettled

    from adapters.slack.clients import web_client
    from adapters.slack.messenger import SlackMessenger
    from adapters.slack.settings import SlackConfig
    from bots.bootstrap import freeze_heap
    from core.capabilities import build_registry
    from core.delivery.dispatcher import Dispatcher
    from core.delivery.ratelimit import Rate, RateLimiter
    from core.delivery.sharedpace import SharedRateLimiter
    from core.runtime.db import Database
    from core.services import Services

    config = SlackConfig.model_validate({"bot_token": BOT_TOKEN, "signing_secret": "s" * 32,
                                         "api_base_url": api_url})
    db = Database(url)
    client = web_client(config, interactive=False)
    client.session = aiohttp.ClientSession()  # keep-alive, as parvis serve's adapter does
    rates = {"slack": Rate(limit * CLIENT_SHARE, burst=4)}
    limiter = (SharedRateLimiter(db.engine, rates, channel_rates={}) if pace == "shared"
               else RateLimiter(rates, channel_rates={}))
    services = Services(db=db, renderers=build_registry(), messengers={"slack": SlackMessenger(client)})
    dispatcher = Dispatcher(services, concurrency=concurrency, limiter=limiter)
    freeze_heap()  # as ``parvis worker`` does once it is built: no 100 ms full collections mid-round
    settled, started = 0, time.perf_counter()
    try:
        while (done := await dispatcher.run_once()) or await unsettled(db):
            settled += done
            await asyncio.sleep(0.1)  # rows put back after a 429 fall due a little later
        print(f"  a dispatching process settled {settled} rows in {time.perf_counter() - started:.1f} s",
              flush=True)
    finally:
        await client.session.close()
        await db.dispose()


async def slack_identities(url: str) -> None:
    """``fanout.prepare`` wrote identities of the fake platform: make them Slack accounts."""
    from sqlalchemy import text

    from core.runtime.db import Database

    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE identity SET platform = 'slack', tenant = :team"), {"team": TEAM})
        await conn.execute(text("DELETE FROM rate_bucket"))
    await db.dispose()


async def run(url: str, processes: int, recipients: int, limit: float, concurrency: int,
              pace: str) -> dict[str, float]:
    from fanout import prepare, skipped

    expected = await prepare_for_slack(url, recipients, prepare)
    api = await FakeSlackApi(validate=False).start()  # the burst benchmark checks the Block Kit
    api.limit(POST, limit, burst=10)
    command = [sys.executable, __file__, "child", url, api.base_url, str(limit), str(concurrency), pace]
    started = time.perf_counter()
    with platform_without_pauses():
        children = [await asyncio.create_subprocess_exec(*command, cwd=ROOT) for _ in range(processes)]
        codes = [await process.wait() for process in children]
    wall = time.perf_counter() - started
    await api.stop()
    if any(codes):
        raise SystemExit(f"a dispatching process failed: exit codes {codes}")
    calls = [call for call in api.calls if call.method == POST]  # made() keeps the accepted ones
    accepted = [call for call in calls if call.status != 429 and call.result and call.result.get("ok")]
    refused = sum(1 for call in calls if call.status == 429)
    per_member = Counter(str(call.args["channel"]) for call in accepted)
    moments = sorted(call.at for call in accepted)
    span = moments[-1] - moments[0] if len(moments) > 1 else 1.0
    return {"recipients": expected, "messaged": len(per_member),
            "duplicates": len(accepted) - len(per_member), "wall": wall, "seconds": span,
            "wrongly": sum(1 for user in per_member if skipped(int(user.removeprefix("U")))),
            "throughput_share": (len(accepted) - 1) / span / limit,
            "share_429": refused / max(1, len(calls))}


@contextmanager
def platform_without_pauses() -> Iterator[None]:
    """No garbage collection in this process while the fake Slack API stands in for Slack.

    Its record of every call grows by thousands of objects a second, so Python's full collections
    came every few seconds and took 100–230 ms each; the requests that arrived meanwhile were then
    served at once, and the fake's token bucket, reading the clock when it serves, saw a burst that
    no client sent and answered it with 429s (every 9 s, 20–30 of them: most of this benchmark's
    429s). Slack's limiter does not pause with this process, so neither does its stand-in."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


async def prepare_for_slack(url: str, recipients: int, prepare: object) -> int:
    from core.runtime.db import Database

    db = Database(url)
    try:
        expected = int(await prepare(db, recipients, "prompt"))  # type: ignore[operator]
    finally:
        await db.dispose()
    await slack_identities(url)
    return expected


def report(name: str, figures: dict[str, float]) -> None:
    print(f"{name}: {figures['messaged']:.0f}/{figures['recipients']:.0f} members messaged in "
          f"{figures['seconds']:.1f} s; combined {figures['throughput_share']:.1%} of the limit; "
          f"429s {figures['share_429']:.2%} of calls; duplicates {figures['duplicates']:.0f}; "
          f"wrongly messaged {figures['wrongly']:.0f}")


async def main(args: argparse.Namespace) -> int:
    """The ``--processes`` mode of ``fanout.py``: the per-process baseline, then the shared pace."""
    url = args.database_url or ""
    if not url.startswith("postgresql"):
        print("--processes needs --database-url postgresql+asyncpg://… (SQLite has one writing process)")
        return 2
    print(f"{args.processes} processes, limit {args.limit:.0f}/s on {POST} (429 + Retry-After: 1 past "
          f"it), concurrency {args.concurrency} each, campaign renderer, Parvis's Slack messenger")
    baseline = await run(url, args.processes, args.baseline_recipients, args.limit, args.concurrency,
                         "local")
    report("baseline, a bucket per process ", baseline)
    shared = await run(url, args.processes, args.recipients, args.limit, args.concurrency, "shared")
    report("shared bucket in PostgreSQL     ", shared)
    checks = {
        "combined sends >= 90 % of the limit": shared["throughput_share"] >= 0.90,
        "429s <= 1 % of calls": shared["share_429"] <= 0.01,
        "no duplicate, nobody missed": shared["duplicates"] == 0
        and shared["messaged"] == shared["recipients"],
        "away, opted-out and erased members not messaged": shared["wrongly"] == 0,
    }
    for check, ok in checks.items():
        print(f"  {'ok  ' if ok else 'MISS'} {check}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__" and len(sys.argv) == 7 and sys.argv[1] == "child":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _, _, child_url, api_url, child_limit, child_concurrency, child_pace = sys.argv
    asyncio.run(child(child_url, api_url, float(child_limit), int(child_concurrency), child_pace))
