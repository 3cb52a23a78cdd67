"""The web console, mounted by ``parvis serve`` under ``/app/`` on the same aiohttp app.

Requests and forms in (``inbound.py``), core services and the command router in, HTML out
(``outbound.py``, the Jinja2 templates under ``templates/``). ``install_web(services, registry)`` returns the
route installer ``bots/bootstrap.py`` adds beside the platforms'. Two middlewares hold the rules every
page follows: the member behind the session cookie (``core.web.sessions``), and a POST without its
session's CSRF token refused (403); a ``ParvisError`` becomes a page in the member's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.platform import RouteInstaller
from adapters.web import admin, campaigns, creation, directory, outbound, signin
from adapters.web.state import CONSOLE, SIGNED_OUT, Console, visitor_of
from core.commands.router import CommandRouter
from core.errors import Forbidden, NotFound, ParvisError
from core.registry import Registry
from core.services import Services

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: forms that carry no CSRF token: the sign-in link is its own secret, and there is no session yet
NO_CSRF = ("/signin/",)
STATIC = "/app/static/"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A ``ParvisError`` as a page in the member's language; anything else logged, a generic page."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ParvisError as error:
        status = (401 if error.key == SIGNED_OUT else 404 if isinstance(error, NotFound)
                  else 403 if isinstance(error, Forbidden) else 400)
        return outbound.error_page(request, error.key, status, **error.params)
    except Exception:
        log.exception("web console: %s %s failed", request.method, request.path)
        return outbound.error_page(request, "errors.internal", 500)


@web.middleware
async def signed_in(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The member of the session cookie on ``request``; a form without its CSRF token is refused.
    The stylesheet and script are the same for everyone: no session is read for them."""
    if request.path.startswith(STATIC):
        return await handler(request)
    await visitor_of(request)
    if request.method == "POST" and not any(part in request.path for part in NO_CSRF):
        if not await request.app[CONSOLE].csrf_ok(request):
            return outbound.error_page(request, "webui.csrf_refused", 403)
    return await handler(request)


def console_app(services: Services, router: CommandRouter) -> web.Application:
    """The ``/app/`` sub-application."""
    app = web.Application(middlewares=[errors, signed_in])
    app[CONSOLE] = Console(services, router)
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=jinja2.select_autoescape(default=True))
    app.router.add_static("/static/", HERE / "static", name="static")
    for module in (signin, admin, campaigns, creation, directory):
        module.install(app)
    return app


def install_web(services: Services, registry: Registry) -> RouteInstaller:
    """The route installer of the web console for ``bots/bootstrap.py``."""

    def install(app: web.Application) -> None:
        app.add_subapp("/app/", console_app(services, CommandRouter(services, registry)))

    return install
