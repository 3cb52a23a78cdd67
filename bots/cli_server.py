"""``parvis serve`` (HTTP server + worker in one process) and ``parvis worker`` (worker only)."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import signal
import sys

from aiohttp import web
from pydantic import ValidationError

from bots import bootstrap, server_secret
from bots.access_log import access_log_options
from bots.cli import config_option
from bots.config import Config, load_config
from core.capabilities import build_registry
from core.errors import ConfigError

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser("serve", help="run the HTTP server (Slack, Teams, health) and the worker")
    config_option(serve)
    serve.add_argument("--host", help="address to listen on (default: [server] host)")
    serve.add_argument("--port", type=int, help="port to listen on (default: [server] port)")
    serve.set_defaults(func=run_serve)
    worker = subparsers.add_parser("worker", help="run only the scheduler and the delivery dispatcher")
    config_option(worker)
    worker.set_defaults(func=run_worker)


def _server_config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    overrides = {key: value for key, value in (("host", args.host), ("port", args.port)) if value is not None}
    if overrides:
        try:
            server = config.server.model_validate({**config.server.model_dump(), **overrides})
        except ValidationError as exc:
            raise ConfigError("\n".join(f"command line: --{error['loc'][0]}: {error['msg']}"
                                        for error in exc.errors())) from exc
        config = config.model_copy(update={"server": server})
    return config


def _prepare(config: Config, command: str) -> bool:
    try:
        asyncio.run(bootstrap.prepare_database(config))
    except bootstrap.DatabaseNotReady as exc:
        print(f"parvis {command}: {exc}", file=sys.stderr)
        return False
    return True


def run_serve(args: argparse.Namespace) -> int:
    config = server_secret.provide(_server_config(args))
    if not _prepare(config, "serve"):
        return 1

    async def app() -> web.Application:
        built = bootstrap.build_app(config)
        bootstrap.freeze_heap()
        return built

    server = config.server
    try:
        web.run_app(app(), host=server.host, port=server.port, shutdown_timeout=server.shutdown_grace_seconds,
                    print=lambda message: log.info("%s", message), **access_log_options(server.access_log))
    except OSError as exc:
        if exc.errno not in _CANNOT_LISTEN:
            raise
        print(_cannot_listen(server.host, server.port, exc), file=sys.stderr)
        return 1
    log.info("server stopped")
    return 0


#: why a server cannot listen, which a person fixes by choosing another address (not a bug to trace)
_CANNOT_LISTEN = {errno.EADDRINUSE: "is already in use (another program, perhaps another `parvis serve`, "
                                    "listens there)",
                  errno.EACCES: "needs privileges this user does not have (ports below 1024)",
                  errno.EADDRNOTAVAIL: "names an address this machine does not have"}


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    """One line saying what stopped the server and how to choose another address."""
    reason = _CANNOT_LISTEN[exc.errno] if exc.errno is not None else str(exc)
    where = "port" if exc.errno != errno.EADDRNOTAVAIL else "host"
    return (f"parvis serve: cannot listen on {host}:{port}: the {where} {port if where == 'port' else host} "
            f"{reason}. Choose another with --port/--host or [server] port/host in the configuration.")


def run_worker(args: argparse.Namespace) -> int:
    config = server_secret.provide(load_config(args.config))
    if not _prepare(config, "worker"):
        return 1
    asyncio.run(_work(config))
    return 0


async def _work(config: Config) -> None:
    """Run the worker until SIGTERM or SIGINT, then stop it and close the database."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    registry = build_registry()
    services = bootstrap.worker_services(config, registry)
    bootstrap.freeze_heap()
    try:
        async with bootstrap.worker(config, services, registry):
            await stop.wait()
    finally:
        await services.db.dispose()
