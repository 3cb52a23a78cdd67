"""Signing in with the link ``dashboard`` gave, and logging out.

``GET /app/signin/<token>`` shows a *Sign in* button and spends nothing: link previews and mail
scanners fetch links, and must not use up a single-use one. ``POST`` spends it and sets the session
cookie (HttpOnly, SameSite=Lax, Secure when ``[web] public_url`` is https, for ``[web] session_hours``).
"""

from __future__ import annotations

from aiohttp import web

from adapters.web import outbound
from adapters.web.state import CONSOLE, COOKIE, VISITOR, member
from core.web import sessions

routes = web.RouteTableDef()


@routes.get("/signin/{token}", name="signin")
async def signin_page(request: web.Request) -> web.Response:
    t = outbound.translator(request)
    return outbound.page(request, "signin.html", t("webui.signin_title"), token=request.match_info["token"])


@routes.post("/signin/{token}")
async def signin(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    settings = console.services.settings.web
    token = await sessions.open_session(console.services.db, request.match_info["token"],
                                        console.services.clock.now(), settings.session_hours)
    if token is None:
        return outbound.error_page(request, "webui.link_refused", 403)
    response = web.HTTPSeeOther(request.app.router["campaigns"].url_for())
    response.set_cookie(COOKIE, token, max_age=settings.session_hours * 3600, path="/app/", httponly=True,
                        samesite="Lax", secure=console.secure)
    raise response


@routes.post("/logout", name="logout")
async def logout(request: web.Request) -> web.StreamResponse:
    member(request)
    token = request.cookies.get(COOKIE, "")
    await sessions.end(request.app[CONSOLE].services.db, token)
    request[VISITOR] = None
    response = outbound.page(request, "error.html", outbound.translator(request)("webui.logged_out_title"),
                             message=outbound.translator(request)("webui.logged_out"), signed_out=True)
    response.del_cookie(COOKIE, path="/app/")
    return response


def install(app: web.Application) -> None:
    app.add_routes(routes)
