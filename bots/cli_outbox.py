"""``parvis outbox failed`` and ``parvis outbox retry ID…|--all`` (DESIGN.md §4): the deliveries that
gave up, and sending them again (``core.delivery.failures``; admins do the same in the chat with
``outbox failed|retry``)."""

from __future__ import annotations

import argparse
import sys

from bots.cli import config_option
from bots.cli_database import DatabaseUnusable, with_database
from bots.config import load_config
from core.delivery import failures
from core.ports import SystemClock
from core.runtime.db import Database

COLUMNS = ("id", "purpose", "source", "target", "attempts", "last_error")
EPILOG = """\
`failed` prints one tab-separated line per failed delivery, newest first, under a header:
  id, purpose, source, target, attempts, last_error
`retry` puts failed deliveries back in the outbox, due now, their attempts counted afresh: a running
Parvis sends them within [scheduler] dispatch_interval_seconds. Fix the cause first (the bot removed
from a channel, a platform down…). Exit status: 0; 1 when a number given is not a failed delivery (the
others are requeued); 2 when the database cannot be used."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outbox = subparsers.add_parser("outbox", help="messages Parvis could not deliver", epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    failed = actions.add_parser("failed", help="list the deliveries that gave up, with their last error",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    config_option(failed)
    failed.set_defaults(func=run_failed)
    retry = actions.add_parser("retry", help="send failed deliveries again", epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    retry.add_argument("ids", metavar="ID", nargs="*", type=int, help="delivery numbers, as `failed` shows")
    retry.add_argument("--all", action="store_true", help="every failed delivery")
    config_option(retry)
    retry.set_defaults(func=run_retry)


def _cell(value: object) -> str:
    return str(value).replace("\t", " ").replace("\n", " ")


def run_failed(args: argparse.Namespace) -> int:
    config = load_config(args.config)

    async def listing(db: Database) -> list[failures.Failed]:
        return (await failures.list_failed(db))[0]

    try:
        rows = with_database(config, listing)
    except DatabaseUnusable as exc:
        return _fail(str(exc))
    print("\t".join(COLUMNS))
    for row in rows:
        print("\t".join(_cell(value) for value in (row.id, row.purpose, row.source, row.target, row.attempts,
                                                    row.last_error)))
    return 0


def run_retry(args: argparse.Namespace) -> int:
    if bool(args.ids) == args.all:
        return _fail("give the numbers of the deliveries to send again (as `parvis outbox failed` lists "
                     "them), or --all")
    config = load_config(args.config)
    wanted: list[int] | None = None if args.all else sorted(set(args.ids))

    async def requeue(db: Database) -> list[int]:
        return await failures.requeue(db, wanted, SystemClock().now())

    try:
        requeued = with_database(config, requeue)
    except DatabaseUnusable as exc:
        return _fail(str(exc))
    print(f"deliveries back in the outbox: {len(requeued)}"
          + (f" ({', '.join(map(str, requeued))})" if requeued else ""))
    missing = sorted(set(wanted or []) - set(requeued))
    if missing:
        print(f"parvis outbox retry: not failed deliveries (sent already, or no such number): "
              f"{', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    return 0


def _fail(message: str) -> int:
    print(f"parvis outbox: {message}", file=sys.stderr)
    return 2
