"""The ``parvis`` command line (DESIGN.md §4).

Each group of subcommands lives in its own ``bots/cli_*.py`` module exposing
``register(subparsers)``; a subcommand sets ``func`` (returning an exit status) through
``parser.set_defaults``. Every subcommand accepts ``--config FILE``. Errors go to stderr with a
non-zero exit status.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from core.errors import ConfigError

SUBCOMMAND_MODULES: tuple[str, ...] = (
    "bots.cli_server",  # serve, worker
    "bots.cli_db",  # db upgrade
    "bots.cli_directory",  # directory import
    "bots.cli_chat",  # chat, demo
    "bots.cli_platforms",  # slack manifest, teams package
    "bots.cli_reports",  # report adoption|campaign
    "bots.cli_outbox",  # outbox failed|retry
    "bots.cli_audit",  # audit
)


def config_option(parser: argparse.ArgumentParser) -> None:
    """The ``--config FILE`` option every subcommand accepts."""
    parser.add_argument("--config", metavar="FILE", help="TOML configuration (default: ./parvis.toml)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parvis", description="Parvis: groups, experts and campaigns "
                                     "inside Slack and Microsoft Teams.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


#: libraries whose INFO lines say what Parvis already says once, or say it every minute: Alembic's
#: "Context impl SQLiteImpl" on every CLI command, APScheduler's "Running job…"/"executed successfully" for
#: every periodic job; their warnings and errors still show
QUIET_AT_INFO = ("alembic", "apscheduler")


def quiet_libraries() -> None:
    """Keep the libraries in ``QUIET_AT_INFO`` to their warnings."""
    for name in QUIET_AT_INFO:
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.func(args)
    except ConfigError as exc:
        print(f"parvis: configuration error:\n{exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
