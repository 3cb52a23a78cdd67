"""The groups, experts and adoption pages.

Reads go through ``core.web.directory`` (the table's ``SEEING["group"]`` row, ``expert find``'s
search); *Announce* is the chat's ``group announce``, and the adoption figures are the chat's
``stats`` — both run through the router as the member, so the same rows and the same privacy rules
(``anonymity_min``) apply. The adoption chart is its own request, so the page never waits for it.
"""

from __future__ import annotations

from aiohttp import web

from adapters.web import outbound
from adapters.web.state import CONSOLE, member
from core.markup import plain
from core.text import clean
from core.web import adoption, directory

routes = web.RouteTableDef()
MAX_TOPIC = 200


@routes.get("/groups", name="groups")
async def groups_page(request: web.Request) -> web.Response:
    found = await directory.groups(request.app[CONSOLE].services, member(request))
    t = outbound.translator(request)
    return outbound.page(request, "groups.html", t("webui.groups_title"), groups=found, current="groups")


@routes.get("/groups/{slug}", name="group")
async def group_page(request: web.Request) -> web.Response:
    found = await directory.group(request.app[CONSOLE].services, member(request), request.match_info["slug"])
    return outbound.page(request, "group.html", found.name, group=found, current="groups")


@routes.post("/groups/{slug}/announce", name="announce")
async def announce(request: web.Request) -> web.Response:
    visitor = member(request)
    text = clean(str((await request.post()).get("text", "")))
    reply = await request.app[CONSOLE].say(visitor, f"group announce {request.match_info['slug']} {text}")
    location = request.app.router["group"].url_for(slug=request.match_info["slug"])
    raise outbound.redirect(request, str(location), outbound.flash_of(reply))


@routes.get("/experts", name="experts")
async def experts_page(request: web.Request) -> web.Response:
    topic = clean(request.query.get("q", ""))[:MAX_TOPIC]
    found = await directory.experts(request.app[CONSOLE].services, member(request), topic)
    t = outbound.translator(request)
    return outbound.page(request, "experts.html", t("webui.experts_title"), view=found, topic=topic,
                         current="experts")


@routes.get("/adoption", name="adoption")
async def adoption_page(request: web.Request) -> web.Response:
    console = request.app[CONSOLE]
    reply = await adoption.adoption(console.services, member(request), console.recent_figures)
    t = outbound.translator(request)
    return outbound.page(request, "adoption.html", t("webui.adoption_title"), reply=outbound.flash_of(reply),
                         context=plain(reply.context or ""), chart=bool(reply.sections or reply.title),
                         alt=t("webui.adoption_chart_alt"), current="adoption")


@routes.get("/adoption.png", name="adoption_chart")
async def adoption_chart(request: web.Request) -> web.Response:
    reply = await request.app[CONSOLE].say(member(request), "stats")
    if reply.image is None:
        raise web.HTTPNotFound()
    return web.Response(body=reply.image.png, content_type="image/png", headers={"Cache-Control": "no-store"})


def install(app: web.Application) -> None:
    app.add_routes(routes)
