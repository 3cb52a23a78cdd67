"""The aiohttp app (DESIGN.md §4): health, readiness and metrics, plus the routes adapters install.

``create_app`` only assembles what ``bots/bootstrap.py`` built (the adapters' routes and lifetimes, typed
in ``adapters.platform``); state lives under typed ``AppKey``s, and everything with a lifetime (the
database, the worker, a Socket Mode client) is a ``cleanup_ctx`` entry, so a SIGTERM stops them in
reverse order after the requests in flight have finished.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable

from aiohttp import web

from adapters.platform import CleanupContext, RouteInstaller
from bots import legal_pages
from bots.config import Config
from bots.metrics import Metrics
from bots.migrations import is_current
from core.campaigns import calendars
from core.delivery import failures
from core.directory import everyday_words
from core.services import Services
from core.web.preview import CONTRASTS

log = logging.getLogger(__name__)

CONFIG = web.AppKey("config", Config)
SERVICES = web.AppKey("services", Services)
METRICS = web.AppKey("metrics", Metrics)
#: the countries whose public holidays the server loaded as it started (``holiday_calendars``)
HOLIDAYS = web.AppKey("holidays", asyncio.Task[list[str]])

READY_TIMEOUT_SECONDS = 3.0


def create_app(
    config: Config,
    services: Services,
    *,
    route_installers: Iterable[RouteInstaller] = (),
    contexts: Iterable[CleanupContext] = (),
) -> web.Application:
    """The app: built-in routes, the adapters' routes, then the lifetimes (database first, so it is
    closed last)."""
    metrics = Metrics()
    app = web.Application(middlewares=[metrics.middleware()])
    app[CONFIG] = config
    app[SERVICES] = services
    app[METRICS] = metrics
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    legal_pages.install(app)
    for install in route_installers:
        install(app)
    app.cleanup_ctx.append(database_lifetime)
    app.cleanup_ctx.append(word_lists)
    app.cleanup_ctx.append(holiday_calendars)
    app.cleanup_ctx.extend(contexts)
    return app


async def word_lists(app: web.Application) -> AsyncIterator[None]:
    """Read the expert search's everyday word lists (about a second, in a thread) while the server
    starts, so the first ``expert find`` or ``ask`` does not wait for them past Slack's 3 seconds."""
    loading = asyncio.create_task(asyncio.to_thread(everyday_words.load))
    yield
    if not loading.done():
        loading.cancel()


async def holiday_calendars(app: web.Application) -> AsyncIterator[None]:
    """Load the public holidays of the countries members live in (and of the zones the campaign
    preview contrasts with), this year and next, in a thread while the server starts: the package's
    first calendar costs about 200 ms, which no member's first preview should pay."""
    services = app[SERVICES]

    async def load() -> list[str]:
        try:
            zones = [*await calendars.member_zones(services.db), *CONTRASTS]
        except Exception as error:  # a database not migrated yet: the contrasting zones' at least
            log.info("holidays: members' time zones unreadable (%s), preloading the preview's only",
                     type(error).__name__)
            zones = list(CONTRASTS)
        year = services.clock.now().year
        return await asyncio.to_thread(calendars.preload, zones, (year, year + 1))

    loading = app[HOLIDAYS] = asyncio.create_task(load())
    yield
    # a fraction of a second at most: let it end rather than cut its database read short
    await asyncio.wait([loading], timeout=5)
    if not loading.done():
        loading.cancel()


async def database_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Connections open lazily; at shutdown the pool is closed."""
    yield
    await app[SERVICES].db.dispose()
    log.info("database closed")


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving HTTP."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers and its schema is at the latest migration."""
    engine = request.app[SERVICES].db.engine
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            current = await is_current(engine)
    except Exception:  # the probe reports any failure, whatever the driver raises
        log.warning("readiness: database unreachable", exc_info=True)
        return _not_ready("database unreachable")
    if not current:
        return _not_ready("database schema is not at the latest migration: run `parvis db upgrade`")
    return web.json_response({"status": "ready"})


def _not_ready(reason: str) -> web.Response:
    return web.json_response({"status": "unavailable", "reason": reason}, status=503)


async def metrics_endpoint(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            metrics.count_outbox(await failures.figures(request.app[SERVICES].db))
    except Exception:  # the process's own figures are still worth serving
        log.warning("metrics: the outbox figures could not be read", exc_info=True)
    return metrics.render(request.headers.get("Accept"))
