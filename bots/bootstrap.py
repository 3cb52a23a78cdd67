"""The composition root: configuration → database → registry → services → messengers → worker → app.

Everything a process needs is built here, once, and passed down; no module holds a global adapter or
bot. What the core can do (commands, actions, periodic jobs, outbox renderers, start hooks) is the
registry ``core.capabilities.build_registry()`` builds from the capabilities listed there; it is handed to
each platform's router, to the worker, and to ``Services`` as the outbox's renderers. Platform adapters
plug in through ``ADAPTERS``: when the configuration turns a platform on, its module's
``build_platform(section, services, registry, …) -> Platform`` is imported and called
with the adapter's own section, and what it returns (``adapters.platform``: a messenger, routes, a
lifetime) is wired in. The dependency runs one way: this module knows the adapters, they know nothing
of ``bots/``. The worker (scheduler + delivery dispatcher, ``core.runtime.scheduler``) runs through
``worker()``.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from adapters.platform import CleanupContext, Platform, PlatformSection
from adapters.web.app import install_web
from bots.config import Config, RolesConfig
from bots.migrations import current_heads, database_revisions, upgrade
from bots.server import create_app
from core.capabilities import build_registry
from core.directory import roles as role_service
from core.errors import ConfigError, OperatorError
from core.governance import rollout
from core.ports import Clock, Messenger, SystemClock
from core.registry import Registry
from core.runtime import background, scheduler
from core.runtime.db import Database, is_sqlite, make_engine
from core.services import Services

log = logging.getLogger(__name__)


def _nothing_else(config: Config) -> dict[str, object]:
    return {}


@dataclass(frozen=True)
class Adapter:
    """How the configuration turns one platform on: ``module`` exposes
    ``build_platform(section, services, registry, **extras) -> Platform`` (``adapters.platform``), called
    with the adapter's own ``section`` of the configuration, the process's services and registry, and
    the plain values of the process it needs besides (``extras``), never the whole ``Config``: the
    adapter knows nothing of ``bots/``."""

    module: str
    section: Callable[[Config], PlatformSection]
    extras: Callable[[Config], dict[str, object]] = _nothing_else


#: platform → its adapter. Adapters are imported only when their section turns them on.
ADAPTERS: dict[str, Adapter] = {
    "slack": Adapter("adapters.slack.app", lambda config: config.slack),
    "teams": Adapter("adapters.teams.app", lambda config: config.teams,
                     lambda config: {"host": config.server.host, "public_url": config.web.public_url}),
}


class DatabaseNotReady(OperatorError):
    """The database cannot be used yet; the message tells the admin what to do."""




def build_services(
    config: Config, registry: Registry, *, clock: Clock | None = None,
    messengers: dict[str, Messenger] | None = None,
) -> Services:
    """The process-wide services, sending through the renderers of ``registry`` (the process's, from
    ``build_registry()``); ``messengers`` lets the console chat bring its own."""
    return Services(db=Database(config.database.url), renderers=registry, clock=clock or SystemClock(),
                    messengers=dict(messengers or {}), settings=config.settings())


def build_platforms(config: Config, services: Services, registry: Registry) -> list[Platform]:
    """The adapters the configuration turns on, each registered as the messenger of its platform."""
    platforms = []
    for name, adapter in ADAPTERS.items():
        section = adapter.section(config)
        if not section.configured:
            continue
        try:
            module = importlib.import_module(adapter.module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not adapter.module.startswith(exc.name):
                raise
            raise ConfigError(f"[{name}] is configured, but this installation has no {name} adapter "
                              f"({adapter.module})") from exc
        platform: Platform = module.build_platform(section, services, registry, **adapter.extras(config))
        services.messengers[platform.name] = platform.messenger
        platforms.append(platform)
    return platforms


#: ``gc.set_threshold`` in a running server: the youngest generation collected every 10,000 net
#: allocations (Python's default: 700), each older one after 20 collections of the one below (10)
COLLECTION_THRESHOLDS = (10_000, 20, 20)


def freeze_heap() -> None:
    """Leave everything built at start-up (modules, the app, adapters) out of future garbage collections.

    A long-running server's full collection walks every live object: with slack_bolt, botbuilder and
    SQLAlchemy loaded that is ~150,000 objects and 50–120 ms during which no request is served — the
    tail of the acknowledgement latency. ``gc.freeze()`` moves them to a permanent generation.

    The youngest generation is then collected every 10,000 allocations (``COLLECTION_THRESHOLDS``) rather
    than Python's 700: a command allocates thousands of short-lived objects (rows, blocks, JSON), so with the
    default the server ran ~1,000 young collections of ~0.5 ms each in a 13,000-command benchmark — 1.2 s
    of collections in all, 0.3 s with this threshold (``benchmarks/mixed.py``, SQLite).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*COLLECTION_THRESHOLDS)


def worker_services(config: Config, registry: Registry) -> Services:
    """The services of a lone ``parvis worker``: every configured platform's messenger, no inbound side.

    The worker sends what the outbox holds, so it needs Slack's and Teams' messengers; it neither
    installs their routes nor runs their lifetimes (a Socket Mode connection belongs to ``serve``).
    """
    services = build_services(config, registry)
    build_platforms(config, services, registry)
    return services


def build_app(config: Config, services: Services | None = None,
              registry: Registry | None = None) -> web.Application:
    """The HTTP app with every configured adapter and, unless disabled, the worker; over ``services``
    and the ``registry`` they were built with, or, given neither, a fresh registry and services."""
    if services is None:
        registry = registry or build_registry()
        services = build_services(config, registry)
    elif registry is None:
        raise TypeError("build_app: services come with the registry they were built with")
    platforms = build_platforms(config, services, registry)
    log.info("platforms on: %s", ", ".join(platform.name for platform in platforms)
             or "none (configure [slack] or [teams]); serving health and metrics only")
    contexts = [platform.lifetime for platform in platforms if platform.lifetime]
    worker = worker_lifetime(config, services, registry)
    if worker is not None:
        contexts.append(worker)
    installers = [platform.routes for platform in platforms if platform.routes]
    installers.append(install_web(services, registry))  # the web console, /app/ (adapters/web)
    return create_app(config, services, contexts=contexts, route_installers=installers)


@asynccontextmanager
async def worker(config: Config, services: Services, registry: Registry) -> AsyncIterator[None]:
    """Runs the scheduler and the delivery dispatcher for as long as the block lasts: the periodic jobs
    and start hooks of ``registry``, configured by ``services.settings.scheduler``."""
    async with scheduler.running(services, registry):
        log.info("worker started")
        yield
    log.info("worker stopped")


def worker_lifetime(config: Config, services: Services, registry: Registry) -> CleanupContext | None:
    """The worker as a ``cleanup_ctx`` of the app; with the worker off (the reason logged), the holder
    of the work sent after a command's reply (``core.runtime.background``), so that an expert's card
    still leaves at once without keeping the asker waiting."""
    if not config.scheduler.enabled:
        log.info("worker off: [scheduler] enabled = false")

        async def after_replies(app: web.Application) -> AsyncIterator[None]:
            async with background.holding(services):
                yield

        return after_replies

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        async with worker(config, services, registry):
            yield

    return lifetime


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


async def prepare_database(config: Config) -> None:
    """Before serving: migrate SQLite (PostgreSQL must be migrated by ``parvis db upgrade``), then
    grant the roles of ``[roles]`` (``config`` with its server secret, ``bots.server_secret.provide``,
    so that an erased address is recognised) and check the pilot groups of ``[rollout]`` exist. Raises
    ``DatabaseNotReady`` with what to do, ``ConfigError`` for a pilot group that does not exist."""
    url = config.database.url
    try:
        if is_sqlite(url):
            await upgrade(url)
        else:
            await _require_current(url)
        database = Database(url)
        try:
            await apply_roles(database, config.roles, default_locale=config.i18n.default_locale,
                              secrets=config.security.settings().keys)
            await check_pilot_groups(database, config.rollout.pilot_groups)
        finally:
            await database.dispose()
    except (OSError, SQLAlchemyError) as exc:
        raise DatabaseNotReady(f"cannot use the database at {safe_url(url)}: {exc}") from exc


async def check_pilot_groups(db: Database, slugs: list[str]) -> None:
    """``ConfigError`` naming each ``[rollout] pilot_groups`` entry that is no group's slug: a pilot
    that lets nobody in must stop the start, not be discovered by members."""
    unknown = await rollout.unknown_groups(db, slugs)
    if unknown:
        raise ConfigError("\n".join(
            f"rollout.pilot_groups: there is no group {found.slug!r}"
            + (f" (did you mean {found.suggestion!r}?)" if found.suggestion else "")
            + "; name an existing group by its slug, as `group info` shows it, or create it first"
            for found in unknown))


async def _require_current(url: str) -> None:
    engine = make_engine(url)
    try:
        found = await database_revisions(engine)
    finally:
        await engine.dispose()
    latest = ", ".join(sorted(current_heads()))
    if found != current_heads():
        state = f"is at revision {', '.join(sorted(found))}" if found else "has never been migrated"
        raise DatabaseNotReady(f"the database at {safe_url(url)} {state}, not at the latest ({latest}): "
                               "run `parvis db upgrade` first")


async def apply_roles(db: Database, roles: RolesConfig, *, default_locale: str = "en",
                      clock: Clock | None = None, secrets: tuple[str, ...] = ()) -> int:
    """Grant the configured roles not seeded at an earlier start, creating members known only by
    e-mail, through the same service as ``role grant`` (``core.directory.roles``): once per (e-mail,
    role), so a role revoked in the chat stays revoked; safe when two processes start at once.
    Returns how many roles were newly granted."""
    granted = await role_service.seed(db, roles.grants(), default_locale=default_locale,
                                      clock=clock or SystemClock(), secrets=secrets)
    if granted:
        log.info("granted %d role(s) from [roles]", granted)
    return granted
