"""HTML out: pages rendered from the templates in the member's language, and replies shown on them.

Every label comes from the chat's catalogs (``prompts/messages``), as plain text (Jinja2 escapes it);
a ``Reply`` of the router becomes a notice (``Flash``): its neutral markup as plain text, never HTML.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from adapters.web.state import CONSOLE, VISITOR, Flash
from core.campaigns.reports import CampaignReport
from core.i18n import Translator
from core.markup import plain
from core.messages import Reply
from core.web.sessions import Visitor

#: the pages of the menu: (route name, catalog key, whether only admins see it)
NAV: tuple[tuple[str, str, bool], ...] = (
    ("campaigns", "webui.nav_campaigns", False), ("groups", "webui.nav_groups", False),
    ("experts", "webui.nav_experts", False), ("adoption", "webui.nav_adoption", False),
    ("audit", "webui.nav_audit", True), ("sessions", "webui.nav_sessions", True),
)


def flash_of(reply: Reply) -> Flash:
    parts = [reply.title or "", reply.text, *(section.text for section in reply.sections)]
    return Flash("\n".join(plain(part) for part in parts if part).strip(), reply.error)


def redirect(request: web.Request, location: str, flash: Flash) -> web.HTTPSeeOther:
    """Post/Redirect/Get: what an action said is kept for the session's next page, which the browser
    is sent to (303), so reloading it shows the page without doing the action again."""
    visitor: Visitor | None = request.get(VISITOR)
    if visitor is not None:
        request.app[CONSOLE].keep_flash(visitor.session_id, flash)
    return web.HTTPSeeOther(location)


def _kept_flash(request: web.Request) -> Flash | None:
    """The notice an action left for this page, shown once."""
    visitor: Visitor | None = request.get(VISITOR)
    if visitor is None or request.method != "GET":
        return None
    return request.app[CONSOLE].flashes.pop(visitor.session_id, None)


def translator(request: web.Request) -> Translator:
    visitor: Visitor | None = request.get(VISITOR)
    default = request.app[CONSOLE].services.settings.i18n.default_locale
    return Translator(visitor.locale if visitor else default, plain=True)


def page(request: web.Request, template: str, title: str, status: int = 200,
         **context: Any) -> web.Response:
    """``template`` rendered with what every page needs: the translator, the member, the CSRF token."""
    visitor: Visitor | None = request.get(VISITOR)
    t = translator(request)
    admin = visitor is not None and "admin" in visitor.roles
    nav = [(name, t(key)) for name, key, admins in NAV if admin or not admins] if visitor else []
    if context.get("flash") is None:
        context["flash"] = _kept_flash(request)
    response = aiohttp_jinja2.render_template(template, request, {
        "t": t, "lang": t.locale, "title": title, "visitor": visitor, "nav": nav,
        "csrf": visitor.csrf if visitor else "", "current": context.pop("current", ""), **context},
        status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; "
                                                   "style-src 'self'; script-src 'self'; "
                                                   "frame-ancestors 'none'; form-action 'self'")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def error_page(request: web.Request, key: str, status: int, **params: Any) -> web.Response:
    t = translator(request)
    return page(request, "error.html", t("webui.error_title"), status=status, message=t(key, **params),
                signed_out=key == "webui.signed_out")


def campaign_csv(report: CampaignReport, t: Translator) -> str:
    """The results as CSV: one row per round, prompt and figure (withheld ones say so)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["campaign", "round", "date", "recipients", "respondents", "rate", "prompt", "kind",
                     "answers", "value", "count"])
    for round_ in report.rounds:
        head = [report.id, round_.index, round_.date, round_.recipients, round_.respondents,
                "" if round_.rate is None else round_.rate]
        for prompt in round_.prompts:
            base = [*head, prompt.position, prompt.kind, prompt.answers]
            if prompt.hidden:
                writer.writerow([*base, t("webui.withheld", minimum=report.minimum), ""])
            for option, count in prompt.choices:
                writer.writerow([*base, option, count])
            for value, count in prompt.scale:
                writer.writerow([*base, value, count])
            for text in prompt.texts:
                writer.writerow([*base, text.text, ""])
    return out.getvalue()
