"""``parvis directory import FILE.csv``: load people into the directory (DESIGN.md §4)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from bots import bootstrap, server_secret
from bots.cli import config_option
from bots.config import Config, load_config
from core.directory.importer import COLUMNS, ImportReport, describe, import_directory
from core.errors import InvalidInput
from core.i18n import Translator
from core.runtime.db import Database

EPILOG = f"""\
The first line names the columns (any order; `,` or `;` between fields):
  {",".join(COLUMNS)}
skills and roles are `;`-separated. Each row is an upsert by e-mail, so importing again is safe. Roles
and skills are only added, never removed. Exit status: 0 when every row was imported, 1 when some rows
were rejected (each is listed on stderr with its line number; the others were imported), 2 when the
file or the database cannot be used."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    directory = subparsers.add_parser("directory", help="the people directory")
    actions = directory.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import people from a CSV file (upsert by e-mail)",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    load.add_argument("file", metavar="FILE.csv", help="UTF-8 CSV file (with or without a byte-order mark)")
    config_option(load)
    load.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    config = server_secret.provide(load_config(args.config))  # erased addresses are recognised
    t = Translator(config.i18n.default_locale, plain=True)
    path = Path(args.file)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        print("parvis directory import: " + t("importer.cannot_read", path=path, reason=exc.strerror),
              file=sys.stderr)
        return 2
    with handle:
        try:
            asyncio.run(bootstrap.prepare_database(config))
            report = asyncio.run(_import(config, handle))
        except bootstrap.DatabaseNotReady as exc:
            print(f"parvis directory import: {exc}", file=sys.stderr)
            return 2
        except InvalidInput as error:
            print(f"parvis directory import: {path}: {t(error.key, **error.params)}", file=sys.stderr)
            return 2
        except SQLAlchemyError as exc:  # rows of earlier batches are saved; importing again is safe
            print(f"parvis directory import: cannot write to the database at "
                  f"{bootstrap.safe_url(config.database.url)}: {exc}", file=sys.stderr)
            return 2
    summary, problems = describe(report, t)
    for line in problems:
        print(f"{path}: {line}", file=sys.stderr)
    print(summary)
    return 0 if report.ok else 1


async def _import(config: Config, handle: TextIO) -> ImportReport:
    database = Database(config.database.url)
    try:
        return await import_directory(database, handle, default_locale=config.i18n.default_locale,
                                      secrets=config.security.settings().keys)
    finally:
        await database.dispose()
