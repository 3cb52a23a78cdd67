"""The admins' pages: the live web console sessions (with *Revoke*) and the audit trail."""

from __future__ import annotations

from aiohttp import web

from adapters.web import outbound
from adapters.web.state import CONSOLE, member
from core.web import overviews
from core.web.commands import REVOKE

routes = web.RouteTableDef()


@routes.get("/admin/sessions", name="sessions")
async def sessions_page(request: web.Request) -> web.Response:
    visitor = member(request)
    found = await overviews.live_sessions(request.app[CONSOLE].services, visitor)
    t = outbound.translator(request)
    return outbound.page(request, "sessions.html", t("webui.sessions_title"), sessions=found,
                         current="sessions")


@routes.post("/admin/sessions/{id}/revoke", name="revoke")
async def revoke(request: web.Request) -> web.Response:
    visitor = member(request)
    reply = await request.app[CONSOLE].act(visitor, REVOKE, request.match_info["id"])
    raise outbound.redirect(request, str(request.app.router["sessions"].url_for()), outbound.flash_of(reply))


@routes.get("/admin/audit", name="audit")
async def audit_page(request: web.Request) -> web.Response:
    visitor = member(request)
    lines = await overviews.audit_trail(request.app[CONSOLE].services, visitor)
    t = outbound.translator(request)
    return outbound.page(request, "audit.html", t("webui.audit_title"), lines=lines, current="audit")


def install(app: web.Application) -> None:
    app.add_routes(routes)
