"""``parvis chat --as EMAIL`` and ``parvis demo``: Parvis in a terminal, without Slack or Teams.

``chat`` talks to the configured database as a member of its directory (an unknown e-mail is refused:
the chat does not invent people). ``demo`` builds a throw-away SQLite database holding the demo
organisation (``bots/demo.py``) and opens the chat as one of its people; ``--keep FILE`` keeps (or
reopens) that database. Both read commands from stdin, typed or piped.

Both run the worker (``core.runtime.scheduler``: campaign rounds, reminders, closes, expert-question
the delivery dispatcher) in the same process while the chat lasts, delivering through the console
messenger: a campaign started in the chat prints its prompts when they are due, and a message to
someone else is shown as a message to that person. Lines are read in a thread so the worker runs
while the member types. The worker is left out with ``--no-worker``, with ``[scheduler] enabled =
false``, and when Slack or Teams is configured: then ``parvis serve`` is the one delivering, and
this process, without their messengers, must not claim their deliveries.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.console.app import (
    ConsoleChat,
    attach_messenger,
    open_chat,
    stream_reader,
    terminal_reader,
    threaded,
)
from adapters.console.outbound import Screen
from bots import bootstrap, demo, server_secret
from bots.cli import config_option
from bots.config import Config, DatabaseConfig, load_config
from core.capabilities import build_registry
from core.directory.erased import was_erased
from core.directory.members import member_count, person_by_email
from core.i18n import Translator
from core.messages import Reply
from core.runtime.db import Database
from core.services import Services

if TYPE_CHECKING:
    from core.registry import Registry
    from core.runtime.scheduler import Worker

#: a server looks for due rounds every minute; the console sooner, so a campaign started in the chat
#: shows its prompt within seconds (a cheap query on the small databases a console session uses)
CONSOLE_INTERVALS: dict[str, float] = {"campaigns.rounds": 5.0, "campaigns.reminders": 15.0,
                                       "campaigns.close": 15.0, "outbox.dispatch": 2.0}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = subparsers.add_parser("chat", help="chat with Parvis in the terminal as a member of the directory")
    chat.add_argument("--as", dest="email", required=True, metavar="EMAIL",
                      help="e-mail of a member (import people with `parvis directory import`)")
    _common(chat)
    chat.set_defaults(func=run_chat)
    trial = subparsers.add_parser("demo", help="try Parvis: a made-up organisation in a throw-away database")
    trial.add_argument("--as", dest="email", default=demo.DEMO_PERSON, metavar="EMAIL",
                       help=f"which demo person you are (default: {demo.DEMO_PERSON})")
    trial.add_argument("--keep", metavar="FILE",
                       help="keep the demo database in FILE (reopened if it exists)")
    _common(trial)
    trial.set_defaults(func=run_demo)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--channel", metavar="NAME",
                        help="type as if in channel NAME (so `group link` and announcements work)")
    parser.add_argument("--no-worker", dest="worker", action="store_false",
                        help="do not send campaign prompts, reminders and deadlines from this chat")
    config_option(parser)


def _quiet() -> None:
    """The terminal is the conversation: only warnings and errors go to the log."""
    logging.getLogger().setLevel(logging.WARNING)


def run_chat(args: argparse.Namespace) -> int:
    _quiet()
    config = server_secret.provide(load_config(args.config))
    return _open(config, args, greeting=None)


def run_demo(args: argparse.Namespace) -> int:
    _quiet()
    config = load_config(args.config)
    if args.keep:
        return _demo(config, Path(args.keep), args)
    with tempfile.TemporaryDirectory(prefix="parvis-demo-") as directory:
        return _demo(config, Path(directory) / "demo.db", args)


def _demo(config: Config, path: Path, args: argparse.Namespace) -> int:
    config = config.model_copy(update={"database": DatabaseConfig(url=f"sqlite+aiosqlite:///{path}")})
    config = server_secret.provide(config)
    if not _prepare(config, "demo"):
        return 2
    asyncio.run(_seed(config))
    return _open(config, args, greeting=str(path) if args.keep else "")


async def _seed(config: Config) -> None:
    database = Database(config.database.url)
    try:
        await demo.seed(database, config.governance.charter_dir, settings=config.settings())
    finally:
        await database.dispose()


def _prepare(config: Config, command: str) -> bool:
    try:
        asyncio.run(bootstrap.prepare_database(config))
    except bootstrap.DatabaseNotReady as exc:
        print(f"parvis {command}: {exc}", file=sys.stderr)
        return False
    return True


def _open(config: Config, args: argparse.Namespace, greeting: str | None) -> int:
    """Run the chat; ``greeting`` is ``None`` for ``chat``, else the kept path ("" when throw-away)."""
    if greeting is None and not _prepare(config, "chat"):
        return 2
    try:
        return asyncio.run(_session(config, args.email, args.channel, greeting,
                                    worker=args.worker and worker_allowed(config)))
    except KeyboardInterrupt:
        return 130


def worker_allowed(config: Config) -> bool:
    """Whether this chat may run the worker: the scheduler is on, and no Slack or Teams app is
    configured (their deliveries are for ``parvis serve``, which has their messengers)."""
    return config.scheduler.enabled and not (config.slack.configured or config.teams.configured)


async def _session(config: Config, email: str, channel: str | None, greeting: str | None, *,
                   worker: bool) -> int:
    registry = build_registry()
    services = bootstrap.build_services(config, registry)
    try:
        screen = Screen(sys.stdout, config.i18n.default_locale)
        if not await _admitted(services, email, screen, demo_mode=greeting is not None):
            return 1
        attach_messenger(services, screen, email, channel)
        if greeting is not None:
            await _welcome(services, email, screen, greeting or None)
        _tolerant_streams()
        interactive = sys.stdin.isatty()
        reader = terminal_reader() if interactive else stream_reader(sys.stdin)
        chat = open_chat(services, registry, email, screen, threaded(reader), echo=not interactive,
                         channel=channel)
        await converse(chat, worker=worker)
        if interactive:
            screen.write(screen.t("console.bye"))
        return 0
    finally:
        await services.db.dispose()


async def converse(chat: ConsoleChat, *, worker: bool = True,
                   intervals: Mapping[str, float] = CONSOLE_INTERVALS) -> None:
    """The chat until ``quit`` or the end of input, with the worker running alongside it."""
    async with console_worker(chat.router.services, chat.router.registry, enabled=worker,
                              intervals=intervals):
        await chat.run()


@asynccontextmanager
async def console_worker(services: Services, registry: Registry, *, enabled: bool = True,
                         intervals: Mapping[str, float] = CONSOLE_INTERVALS) -> AsyncIterator[Worker | None]:
    """The worker of ``parvis serve``, with the console's shorter intervals, for the block's duration;
    stopped (running jobs finished, nothing cut in half) when the chat ends."""
    if not enabled:
        yield None
        return
    from core.runtime.scheduler import configured_worker

    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # no "job missed" chatter in the chat
    worker = configured_worker(services, registry)
    worker.intervals.update(intervals)
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


def _tolerant_streams() -> None:
    """Bytes that are not valid text in, or characters the terminal cannot show out, are replaced
    rather than ending the chat."""
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")


async def _admitted(services: Services, email: str, screen: Screen, *, demo_mode: bool) -> bool:
    """Whether ``email`` is a member who may chat; if not, says why on stderr."""
    member = await person_by_email(services, email)
    t: Translator = screen.t
    if member.erased if member is not None else await was_erased(services, email):
        print("parvis: " + t("console.erased", email=email), file=sys.stderr)
        return False
    if member is None:
        message = (t("demo.unknown_person", email=email, examples=", ".join(demo.OTHER_EXAMPLES))
                   if demo_mode else t("console.unknown_member", email=email))
        print(f"parvis: {message}", file=sys.stderr)
        return False
    screen.t = Translator(member.locale)
    return True


async def _welcome(services: Services, email: str, screen: Screen, kept: str | None) -> None:
    member = await person_by_email(services, email)
    assert member is not None
    reply: Reply = demo.welcome(member, await member_count(services), kept)
    screen.show(reply)
