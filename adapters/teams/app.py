"""Wiring of the Teams adapter: ``POST /api/messages`` around botbuilder's ``CloudAdapter``.

The handler is ours, not ``CloudAdapter.process``, because botbuilder 4.17.1 gets two things wrong
there: it serialises invoke bodies twice (every invoke answered 500) and lets some authentication
failures (expired token, channel not endorsed, no header on the parameterised path) escape as 500.
Here authentication runs first and *any* failure is a 401 (a 503 while no signing key could be
fetched) before the bot sees the activity; then an incomplete activity is a 400 and one from a tenant
outside ``[teams] allowed_tenants`` a 403 (``adapters.teams.tenants``; ``TeamsAdapter.handle`` gives
the order and why); then ``process_activity`` runs the turn with the already-authenticated result,
and an invoke body is serialised once.

``build_platform(settings, services, registry, host=…)`` is the hook ``bots/bootstrap.py`` calls;
``build_teams`` is the same with injectable parts (tests pass a credentials factory whose tokens the
fake connector issued).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.serialization import Model

from adapters.platform import Platform
from adapters.teams import auth, inbound, tenants
from adapters.teams.downloads import Downloads
from adapters.teams.keys import SigningKeysUnavailable
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.pictures import Pictures
from adapters.teams.settings import TeamsConfig
from adapters.teams.turns import TurnHandler, unanswered
from core.commands.router import CommandRouter
from core.errors import ConfigError
from core.registry import Registry
from core.services import Services

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


class TeamsAdapter:
    """One Teams bot: its endpoint, its messenger, and its start-up work."""

    def __init__(self, settings: auth.BotSettings, router: CommandRouter, services: Services,
                 adapter: CloudAdapter, allowed: frozenset[str] | None = None,
                 public_url: str | None = None) -> None:
        self.settings, self.router, self.services, self.adapter = settings, router, services, adapter
        #: the tenants served (``None``: Emulator mode, unrestricted), declared to the core as well
        self.allowed = allowed
        if allowed is not None:
            services.tenancy.allow(tenants.PLATFORM, allowed)
        self.messenger = TeamsMessenger(adapter, settings.APP_ID, services)
        #: charts in cards: inline, or served once at ``public_url`` (``[web] public_url``)
        self.pictures = Pictures(services, public_url)
        #: files (a member's export): a single-use link at ``public_url``
        self.downloads = Downloads(services, public_url)
        self.turns = TurnHandler(router, services, self.messenger, self.pictures, self.downloads)

    def install(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.handle)
        self.pictures.install(app)
        self.downloads.install(app)

    async def start(self) -> None:
        """Warm the signing-key cache off the event loop."""
        await auth.warm_keys(self.settings)

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        await self.start()
        yield

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /api/messages``; each step answers before the next one runs:

        1. a body that is not JSON by its content type: 415;
        2. the body is read first because botbuilder authenticates *against the activity* (the token's
           ``serviceurl`` claim must match its ``serviceUrl``; an Emulator token is told by its
           ``channelId``); a body that is no activity is authenticated as an empty one;
        3. the token: any failure is a 401, whatever the body — an unauthenticated caller never
           learns what was wrong with what it sent;
        4. the activity's structure (``inbound.malformed``): 400, before any turn runs or writes; then its
           tenant (``tenants.admits``): 403 unless ``[teams] allowed_tenants`` names it;
        5. the turn. A reply the connector refuses (5xx, 403…) is logged at WARNING by the turn and
           the answer is still 200: the command ran, and a 5xx would make the channel resend it. When
           botbuilder cannot get the outbound token, which it does before the turn starts, the turn
           does not run — without the connector it could not ask who a newcomer is, and would make
           them a second, unlinked member — and the activity is logged at WARNING, answered 202. Both
           are ``turns.unanswered``; README's Teams section says so.
        """
        if "application/json" not in (request.headers.get("Content-Type") or ""):
            return web.Response(status=415)
        activity = await _activity(request)
        header = request.headers.get("Authorization")
        try:
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(
                activity or Activity(), header if header or self.settings.APP_ID else None)
        except SigningKeysUnavailable:  # no key could be fetched yet: nothing can be checked
            return web.Response(status=503)
        except Exception as exc:  # botbuilder raises PermissionError, jwt errors, IndexError, Exception…
            log.info("teams: refused an activity: %s", type(exc).__name__)
            return web.Response(status=401)
        problem = "not a Bot Framework activity" if activity is None else inbound.malformed(activity)
        if problem is not None or activity is None:
            log.info("teams: refused an authenticated request: %s", problem)
            return web.json_response({"error": f"expected a complete Bot Framework activity: {problem}"},
                                     status=400)
        if not tenants.admits(self.allowed, activity):
            log.warning("teams: refused an activity from tenant %s: not in [teams] allowed_tenants",
                        ", ".join(sorted(tenants.tenants_named(activity))) or "(none named)")
            return web.Response(status=403)
        try:
            invoke = await self.adapter.process_activity(authenticated, activity, self.turns.on_turn)
        except Exception as exc:  # the outbound token (or another step before the turn) failed: nothing ran
            unanswered(activity, "not handled (the turn could not start)", exc)
            return web.Response(status=202)
        if invoke is None:
            return web.Response(status=200)
        body = invoke.body.serialize() if isinstance(invoke.body, Model) else invoke.body
        return web.json_response(body, status=int(invoke.status or 200))


async def _activity(request: web.Request) -> Activity | None:
    try:
        body: Any = await request.json(loads=json.loads)
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return None
        return Activity().deserialize(body)
    except Exception:  # malformed JSON or a shape msrest cannot read
        return None


def build_teams(settings: Any, router: CommandRouter, services: Services, *,
                credentials_factory: ServiceClientCredentialsFactory | None = None,
                host: str = "127.0.0.1", allowed_tenants: Iterable[str] | None = None,
                public_url: str | None = None) -> TeamsAdapter:
    """The adapter from ``[teams]`` (a ``TeamsConfig``) or ready ``BotSettings``; ``allowed_tenants``
    (else the configuration's) as ``adapters.teams.tenants`` defaults it."""
    bot = settings if isinstance(settings, auth.BotSettings) else auth.BotSettings.from_config(settings)
    auth.check_emulator_mode(bot, host)
    listed = allowed_tenants if allowed_tenants is not None else getattr(settings, "allowed_tenants", None)
    allowed = tenants.allowed_tenants(bot.APP_ID, bot.APP_TYPE, bot.APP_TENANTID, listed)
    adapter = CloudAdapter(auth.build_authentication(bot, credentials_factory))
    return TeamsAdapter(bot, router, services, adapter, allowed, public_url)


def build_platform(settings: TeamsConfig, services: Services, registry: Registry, *, host: str,
                   public_url: str | None = None) -> Platform:
    """The hook of ``bots/bootstrap.py``: the Teams platform when ``[teams]`` (``settings``) is configured.
    ``host`` is the address the server listens on (``[server] host``): emulator mode needs a loopback one;
    ``public_url`` (``[web] public_url``) where Teams fetches the charts too large for a card."""
    try:
        teams = build_teams(settings, CommandRouter(services, registry), services, host=host,
                            public_url=public_url)
    except ConfigError:  # EmulatorModeRefused says what is wrong already
        raise
    except Exception as exc:  # botbuilder refuses an incomplete SingleTenant/MSI configuration
        raise ConfigError(f"[teams] cannot be used: {exc}") from exc
    return Platform(name="teams", messenger=teams.messenger, routes=teams.install, lifetime=teams.lifetime)
