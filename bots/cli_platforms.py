"""``parvis slack manifest`` and ``parvis teams package``: what an admin uploads to each platform.

The builders live in the adapters (``adapters/slack/manifest.py``, ``adapters/teams/package.py``) and
are imported only when their command runs, so ``parvis --help`` works without either platform's SDK.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from bots.cli import config_option
from bots.config import load_config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slack = subparsers.add_parser("slack", help="Slack app set-up")
    slack_actions = slack.add_subparsers(dest="slack_command", metavar="ACTION", required=True)
    manifest = slack_actions.add_parser("manifest", help="print the Slack app manifest (YAML) to paste "
                                        "into api.slack.com/apps → Create New App → From a manifest")
    manifest.add_argument("--url", help="public https:// address of Parvis (omit for Socket Mode)")
    manifest.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    config_option(manifest)
    manifest.set_defaults(func=run_slack_manifest)

    teams = subparsers.add_parser("teams", help="Microsoft Teams app set-up")
    teams_actions = teams.add_subparsers(dest="teams_command", metavar="ACTION", required=True)
    package = teams_actions.add_parser("package", help="write the Teams app package (zip) to upload")
    package.add_argument("--app-id", help="the bot's Microsoft App ID (default: [teams] app_id)")
    package.add_argument("--url", required=True, help="public https:// address of Parvis")
    package.add_argument("--out", metavar="FILE", default="parvis-teams.zip",
                         help="where to write the zip (default: parvis-teams.zip)")
    config_option(package)
    package.set_defaults(func=run_teams_package)


def _builder(module: str, what: str) -> object | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            print(f"parvis: this installation cannot build the {what} ({module} is missing)", file=sys.stderr)
            return None
        raise


def run_slack_manifest(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    builder = _builder("adapters.slack.manifest", "Slack manifest")
    if builder is None:
        return 2
    try:
        text: str = builder.render_manifest(config, url=args.url)  # type: ignore[attr-defined]
    except ValueError as exc:
        print(f"parvis slack manifest: {exc}", file=sys.stderr)
        return 2
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_teams_package(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    builder = _builder("adapters.teams.package", "Teams app package")
    if builder is None:
        return 2
    app_id = args.app_id or config.teams.app_id
    if not app_id:
        print("parvis teams package: give --app-id (the bot's Microsoft App ID) or set [teams] app_id",
              file=sys.stderr)
        return 2
    try:
        path: Path = builder.write_package(app_id=app_id, url=args.url, out=args.out)  # type: ignore[attr-defined]
    except (ValueError, OSError) as exc:
        print(f"parvis teams package: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in Teams → Apps → Manage your apps → Upload an app")
    return 0
