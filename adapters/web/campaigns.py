"""The campaigns pages: the list, one campaign with its buttons, its results and their CSV.

Reads go through ``core.web.pages`` (the permission table's rows, ``campaign report``'s figures);
what changes something — start, pause, resume, close, share — is the chat's own command, run
through the router as the member, so the web console can do nothing the chat would refuse.
"""

from __future__ import annotations

from aiohttp import web

from adapters.web import outbound
from adapters.web.state import CONSOLE, member
from core.messages import Reply
from core.text import clean
from core.web import pages

routes = web.RouteTableDef()
VERBS = frozenset({"start", "pause", "resume", "close"})
#: text answers the results page lists per prompt and round; the CSV has them all
TEXTS_SHOWN = 20


@routes.get("/", name="campaigns")
async def campaigns_page(request: web.Request) -> web.Response:
    visitor = member(request)
    rows = await pages.campaigns(request.app[CONSOLE].services, visitor)
    t = outbound.translator(request)
    return outbound.page(request, "campaigns.html", t("webui.campaigns_title"), rows=rows,
                         current="campaigns")


@routes.get("/campaigns/{id:\\d+}", name="campaign")
async def campaign_page(request: web.Request) -> web.Response:
    visitor = member(request)
    found = await pages.campaign(request.app[CONSOLE].services, visitor, request.match_info["id"])
    t = outbound.translator(request)
    return outbound.page(request, "campaign.html", t("webui.campaign_title", id=found.id, title=found.title),
                         campaign=found, current="campaigns")


@routes.post("/campaigns/{id:\\d+}/{verb:start|pause|resume|close}", name="transition")
async def transition(request: web.Request) -> web.Response:
    """*Start*, *Pause*, *Resume*, *Close*: ``campaign <verb> <id>``, as typed in the chat."""
    visitor = member(request)
    verb = request.match_info["verb"]
    if verb not in VERBS:
        raise web.HTTPNotFound()
    reply = await request.app[CONSOLE].say(visitor, f"campaign {verb} {request.match_info['id']}")
    raise _back(request, reply)


@routes.post("/campaigns/{id:\\d+}/share", name="share")
async def share(request: web.Request) -> web.Response:
    """*Share*: ``campaign share <id> <member>`` (an e-mail address names them, as in the chat)."""
    visitor = member(request)
    form = await request.post()
    who = clean(str(form.get("member", ""))).replace("\n", " ")[:320]
    reply = await request.app[CONSOLE].say(visitor, f"campaign share {request.match_info['id']} {who}")
    raise _back(request, reply)


def _back(request: web.Request, reply: Reply) -> web.HTTPSeeOther:
    """To the campaign's page (303), with what the command said."""
    location = request.app.router["campaign"].url_for(id=request.match_info["id"])
    return outbound.redirect(request, str(location), outbound.flash_of(reply))


@routes.get("/campaigns/{id:\\d+}/results", name="results")
async def results_page(request: web.Request) -> web.Response:
    visitor = member(request)
    services = request.app[CONSOLE].services
    report = await pages.results(services, visitor, request.match_info["id"], TEXTS_SHOWN)
    t = outbound.translator(request)
    return outbound.page(request, "results.html", t("webui.results_title", id=report.id, title=report.title),
                         report=report, current="campaigns")


@routes.get("/campaigns/{id:\\d+}/results.csv", name="results_csv")
async def results_csv(request: web.Request) -> web.Response:
    visitor = member(request)
    report = await pages.results(request.app[CONSOLE].services, visitor, request.match_info["id"])
    body = outbound.campaign_csv(report, outbound.translator(request))
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="parvis-campaign-{report.id}.csv"',
        "Cache-Control": "no-store"})


def install(app: web.Application) -> None:
    app.add_routes(routes)
