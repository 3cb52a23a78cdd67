"""``parvis audit [--since DATE] [--format text|csv]``: the audit trail, oldest first (DESIGN.md §4).

What is in it and why is ``core.activity.audit``'s business; this module parses the command line,
reads the trail and prints it: aligned lines for a terminal, or CSV with fixed columns (``at`` in
ISO 8601 UTC, ``actor_id``, ``actor``, ``action``, ``target``, ``detail`` as JSON) for scripts.
Exit status: 0, or 2 for a ``--since`` that is not a date or an unusable database (the reason on
stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from adapters.console.outbound import printable
from bots import bootstrap
from bots.cli import config_option
from bots.config import Config, load_config
from core.activity import audit
from core.i18n import Translator
from core.runtime.db import Database

FORMATS = ("text", "csv")
COLUMNS = ("at", "actor_id", "actor", "action", "target", "detail")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="the audit trail: role changes, campaign starts and closes, "
                                   "charter acceptances, configuration-seeded grants…")
    parser.add_argument("--since", metavar="DATE",
                        help="only entries from DATE on (2025-01-31, or 2025-01-31T09:00 — UTC unless an "
                        "offset is given)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default) or csv")
    config_option(parser)
    parser.set_defaults(func=run_audit)


def parse_since(value: str) -> datetime:
    """A date or a date and time, as UTC unless it carries an offset; ``ValueError`` otherwise."""
    moment = datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def run_audit(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    t = Translator(config.i18n.default_locale, plain=True)
    since = None
    if args.since is not None:
        try:
            since = parse_since(args.since)
        except ValueError:
            return _fail(t("audit.bad_since", value=args.since))
    try:
        lines = asyncio.run(_read(config, since))
    except bootstrap.DatabaseNotReady as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:
        return _fail(f"cannot read the database at {bootstrap.safe_url(config.database.url)}: {exc}")
    content = as_csv(lines) if args.format == "csv" else as_text(lines, t)
    sys.stdout.write(printable(content) if sys.stdout.isatty() else content)
    return 0


async def _read(config: Config, since: datetime | None) -> list[audit.AuditLine]:
    await bootstrap.prepare_database(config)
    database = Database(config.database.url)
    try:
        return await audit.read(database, since)
    finally:
        await database.dispose()


def _fail(message: str) -> int:
    print(f"parvis audit: {message}", file=sys.stderr)
    return 2


def _at(line: audit.AuditLine) -> str:
    return line.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_csv(lines: list[audit.AuditLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow((_at(line), "" if line.actor_id is None else line.actor_id, line.actor, line.action,
                         line.target, json.dumps(line.detail, ensure_ascii=False, sort_keys=True)))
    return out.getvalue()


def as_text(lines: list[audit.AuditLine], t: Translator) -> str:
    if not lines:
        return t("audit.empty") + "\n"
    rows = [(_at(line), f"{line.actor} (#{line.actor_id})" if line.actor_id is not None else "Parvis",
             line.action, line.target or "-",
             " ".join(f"{key}={value}" for key, value in line.detail.items())) for line in lines]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "".join("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
                   + (f"  {row[4]}" if row[4] else "") + "\n" for row in rows)
