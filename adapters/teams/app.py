"""Wiring of the Teams adapter: ``POST /api/messages`` around botbuilder's ``CloudAdapter``.

The handler is ours, not ``CloudAdapter.process``, because botbuilder 4.17.1 gets two things wrong
there: it serialises invoke bodies twice (every invoke answered 500) and lets some authentication
failures (expired token, channel not endorsed, no header on the parameterised path) escape as 500.
Here authentication runs first and *any* failure is a 401 (a 503 while no signing key could be
fetched) before the bot sees the activity; then
``process_activity`` runs the turn with the already-authenticated result, and an invoke body is
serialised once.

``build_platform(config, services)`` is the hook ``bots/bootstrap.py`` calls; ``build_teams`` is the
same with injectable parts (tests pass a credentials factory whose tokens the fake connector issued).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.serialization import Model

from adapters.teams import auth
from adapters.teams.keys import SigningKeysUnavailable
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.turns import TurnHandler
from core.commands.router import CommandRouter
from core.errors import ConfigError
from core.services import Services

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


class TeamsAdapter:
    """One Teams bot: its endpoint, its messenger, and its start-up work."""

    def __init__(self, settings: auth.BotSettings, router: CommandRouter, services: Services,
                 adapter: CloudAdapter) -> None:
        self.settings, self.router, self.services, self.adapter = settings, router, services, adapter
        self.messenger = TeamsMessenger(adapter, settings.APP_ID, services)
        self.turns = TurnHandler(router, services, self.messenger)

    def install(self, app: web.Application) -> None:
        app.router.add_post(ROUTE, self.handle)

    async def start(self) -> None:
        """Warm the signing-key cache off the event loop."""
        await auth.warm_keys(self.settings)

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        await self.start()
        yield

    async def handle(self, request: web.Request) -> web.Response:
        if "application/json" not in (request.headers.get("Content-Type") or ""):
            return web.Response(status=415)
        activity = await _activity(request)
        if activity is None:
            return web.Response(status=400, text="expected a Bot Framework activity")
        header = request.headers.get("Authorization")
        try:
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(
                activity, header if header or self.settings.APP_ID else None)
        except SigningKeysUnavailable:  # no key could be fetched yet: nothing can be checked
            return web.Response(status=503)
        except Exception as exc:  # botbuilder raises PermissionError, jwt errors, IndexError, Exception…
            log.info("teams: refused an activity: %s", type(exc).__name__)
            return web.Response(status=401)
        try:
            invoke = await self.adapter.process_activity(authenticated, activity, self.turns.on_turn)
        except Exception:
            log.exception("teams: turn failed")
            return web.Response(status=500)
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
                host: str = "127.0.0.1") -> TeamsAdapter:
    """The adapter from ``[teams]`` (a ``TeamsConfig``) or ready ``BotSettings``."""
    bot = settings if isinstance(settings, auth.BotSettings) else auth.BotSettings.from_config(settings)
    auth.check_emulator_mode(bot, host)
    adapter = CloudAdapter(auth.build_authentication(bot, credentials_factory))
    return TeamsAdapter(bot, router, services, adapter)


def build_platform(config: Any, services: Services) -> Any:
    """The hook of ``bots/bootstrap.py``: the Teams platform when ``[teams]`` is configured."""
    from bots.bootstrap import Platform

    try:
        teams = build_teams(config.teams, CommandRouter(services), services, host=config.server.host)
    except ConfigError:  # EmulatorModeRefused says what is wrong already
        raise
    except Exception as exc:  # botbuilder refuses an incomplete SingleTenant/MSI configuration
        raise ConfigError(f"[teams] cannot be used: {exc}") from exc
    return Platform(name="teams", messenger=teams.messenger, routes=teams.install, lifetime=teams.lifetime)
