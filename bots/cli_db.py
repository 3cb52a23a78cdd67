"""``parvis db upgrade``: bring the database to the latest migration (PostgreSQL needs it before
``parvis serve``; SQLite is migrated by ``serve`` itself)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy.exc import SQLAlchemyError

from bots.bootstrap import safe_url
from bots.cli import config_option
from bots.config import load_config
from bots.migrations import current_heads, upgrade


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = subparsers.add_parser("db", help="database maintenance")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="apply the database migrations")
    config_option(up)
    up.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    url = config.database.url
    try:
        asyncio.run(upgrade(url))
    except (OSError, SQLAlchemyError) as exc:
        print(f"parvis db upgrade: cannot migrate the database at {safe_url(url)}: {exc}", file=sys.stderr)
        return 1
    print(f"database {safe_url(url)} is at the latest migration ({', '.join(sorted(current_heads()))})")
    return 0
