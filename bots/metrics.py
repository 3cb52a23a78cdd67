"""Prometheus metrics of one app: requests per route, their latency, the outbox (pending, sending and
failed deliveries, read from the database at each scrape), and the process itself.

Each app gets its own ``CollectorRegistry`` (not the global one) so tests can build several apps in
one process, and features can register their own counters on ``Metrics.registry``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder

UNMATCHED = "unmatched"


class Metrics:
    """The registry and the HTTP metrics of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.requests = Counter("parvis_http_requests", "HTTP requests handled, by route and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("parvis_http_request_duration_seconds",
                                 "Time spent handling HTTP requests, by route.",
                                 ["method", "route"], registry=self.registry)
        self.outbox = Gauge("parvis_outbox_deliveries",
                            "Outbox deliveries by status: pending (due or scheduled), sending (in flight), "
                            "failed (gave up: `parvis outbox failed` lists them).",
                            ["status"], registry=self.registry)

    def count_outbox(self, counts: Mapping[str, int]) -> None:
        """The outbox's figures as the database has them now (read at each scrape)."""
        for status, count in counts.items():
            self.outbox.labels(status).set(count)

    def render(self, accept: str | None) -> web.Response:
        """The exposition in the format the scraper asked for (text format by default)."""
        encoder, content_type = choose_encoder(accept or "")
        return web.Response(body=encoder(self.registry), headers={"Content-Type": content_type})

    def middleware(self) -> Middleware:
        """Counts and times every request under its route template, not its raw path, so a scan of
        random URLs cannot blow up the number of series."""

        @web.middleware
        async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
            started = time.perf_counter()
            status = 500
            try:
                response = await handler(request)
                status = response.status
                return response
            except web.HTTPException as exc:
                status = exc.status
                raise
            finally:
                route = route_label(request)
                self.latency.labels(request.method, route).observe(time.perf_counter() - started)
                self.requests.labels(request.method, route, str(status)).inc()

        return measure


def route_label(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED
