"""``parvis slack manifest`` and ``parvis teams package``: what an admin needs to create the apps.

``slack manifest`` prints a Slack app manifest (YAML) to paste at api.slack.com/apps → "From a
manifest"; ``teams package`` writes the Teams app package (zip) to upload in Teams. Both read the
command names, aliases and app id from the configuration, so what they describe matches what runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlparse

from bots.cli import config_option
from bots.config import load_config


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    slack = subparsers.add_parser("slack", help="Slack app set-up")
    slack_actions = slack.add_subparsers(dest="slack_command", metavar="ACTION", required=True)
    manifest = slack_actions.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--url", help="public base URL of Parvis, e.g. https://parvis.example.com "
                                        "(requests go to <url>/slack/events)")
    manifest.add_argument("--socket-mode", action="store_true", default=None,
                          help="the app connects by Socket Mode: no public URL needed")
    manifest.add_argument("--name", default="Parvis", help="the app's name in Slack (default: Parvis)")
    manifest.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    config_option(manifest)
    manifest.set_defaults(func=run_slack_manifest)

    teams = subparsers.add_parser("teams", help="Microsoft Teams app set-up")
    teams_actions = teams.add_subparsers(dest="teams_command", metavar="ACTION", required=True)
    package = teams_actions.add_parser("package", help="write the Teams app package (zip)")
    package.add_argument("--app-id", help="the bot's Microsoft app id (default: [teams] app_id)")
    package.add_argument("--url", required=True, help="public base URL of Parvis, e.g. https://parvis.example.com")
    package.add_argument("--out", default="parvis-teams.zip", help="where to write the zip")
    config_option(package)
    package.set_defaults(func=run_teams_package)


def _https(url: str, command: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        print(f"parvis {command}: --url must be an https:// address such as https://parvis.example.com, "
              f"not {url!r}", file=sys.stderr)
        return False
    return True


def run_slack_manifest(args: argparse.Namespace) -> int:
    from adapters.slack import manifest

    config = load_config(args.config)
    socket_mode = config.slack.socket_mode if args.socket_mode is None else True
    if not socket_mode and not args.url:
        print("parvis slack manifest: give --url https://… (where Slack reaches Parvis) or --socket-mode",
              file=sys.stderr)
        return 2
    if args.url and not _https(args.url, "slack manifest"):
        return 2
    document = manifest.build(url=args.url, socket_mode=socket_mode, command=config.slack.command,
                              aliases=tuple(config.slack.aliases), locale=config.i18n.default_locale,
                              name=args.name)
    text = manifest.to_yaml(document)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: paste it at api.slack.com/apps → Create New App → From a manifest",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_teams_package(args: argparse.Namespace) -> int:
    from adapters.teams.package import PackageError, write_package

    config = load_config(args.config)
    app_id = args.app_id or config.teams.app_id
    if not app_id:
        print("parvis teams package: give --app-id or set [teams] app_id (MICROSOFT_APP_ID)", file=sys.stderr)
        return 2
    if not _https(args.url, "teams package"):
        return 2
    try:
        path = write_package(app_id=app_id, url=args.url, out=args.out, privacy_url=config.web.privacy_url,
                             terms_url=config.web.terms_url)
    except (PackageError, OSError) as exc:  # app id not a GUID, bad URL; or an unwritable --out
        print(f"parvis teams package: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it in Teams → Apps → Manage your apps → Upload an app")
    return 0
