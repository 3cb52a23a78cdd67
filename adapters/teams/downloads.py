"""A reply's file (``core.messages.Attachment``, a member's export) on Teams: a link Parvis serves once.

A bot cannot drop a file into a personal chat without Teams' file-consent cards; a link works in every
client. The card carries a *Download* button (``Action.OpenUrl``) to ``<[web] public_url>/files/<token>``,
valid for 15 minutes and once (``core.downloads``). Opening the link shows a small page with a button,
and only that button's ``POST`` hands the file over and spends the token: a link scanner (Microsoft
Defender's Safe Links checks addresses when they are opened) or a preview that fetches the link cannot
use it up, and the file never sits in a proxy's or browser's cache. Without ``[web] public_url`` the
card says the file cannot be delivered on Teams.
"""

from __future__ import annotations

import html
import re

from aiohttp import web

from core.downloads import store
from core.i18n import LOCALES, Translator
from core.messages import Attachment
from core.services import Services

ROUTE = "/files/{token}"
#: what every answer of these routes says to the browser: nothing cached, embedded, sniffed or referred
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"}
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em">
<h1 style="font-size: 1.3em">{title}</h1><p>{text}</p>{form}</body></html>
"""


def _safe_name(name: str) -> str:
    """A file name any browser saves as it is: letters, digits, dots, dashes, underscores."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:120] or "parvis-file"


class Downloads:
    """Places files behind single-use links, and serves them."""

    def __init__(self, services: Services, public_url: str | None) -> None:
        self.services = services
        self.public_url = public_url.rstrip("/") if public_url else None

    async def url_of(self, file: Attachment, locale: str | None) -> str | None:
        """The link of ``file`` (kept for 15 minutes), or ``None`` without ``[web] public_url``."""
        if self.public_url is None:
            return None
        token = await store.keep(self.services.db, file.data, self.services.clock.now(),
                                 name=_safe_name(file.name), media_type=file.media_type,
                                 member_id=file.member_id)
        return self.public_url + ROUTE.format(token=token) + (f"?lang={locale}" if locale in LOCALES else "")

    def install(self, app: web.Application) -> None:
        app.router.add_get(ROUTE, self.page)
        app.router.add_post(ROUTE, self.fetch)

    def _words(self, request: web.Request) -> Translator:
        asked = request.query.get("lang")
        default = self.services.settings.i18n.default_locale
        return Translator(asked if asked in LOCALES else default, plain=True)

    def _page(self, t: Translator, text: str, form: str = "", status: int = 200) -> web.Response:
        body = PAGE.format(lang=t.locale, title=html.escape(t("teams.download.title")),
                           text=html.escape(text), form=form)
        return web.Response(text=body, content_type="text/html", charset="utf-8", status=status,
                            headers=HEADERS)

    async def page(self, request: web.Request) -> web.Response:
        """``GET /files/<token>``: a page with the button that fetches the file; nothing is spent."""
        t = self._words(request)
        name = await store.find(self.services.db, request.match_info["token"], self.services.clock.now())
        if name is None:
            return self._page(t, t("teams.download.gone"), status=404)
        form = (f'<form method="post"><button type="submit" style="font-size: 1.1em">'
                f'{html.escape(t("teams.download.button"))}</button></form>')
        return self._page(t, t("teams.download.intro", name=name), form)

    async def fetch(self, request: web.Request) -> web.Response:
        """``POST /files/<token>``: the file once, as an attachment to save; then the link is dead."""
        kept = await store.take(self.services.db, request.match_info["token"], self.services.clock.now())
        if kept is None:
            return self._page(self._words(request), self._words(request)("teams.download.gone"), status=404)
        headers = HEADERS | {"Content-Disposition": f'attachment; filename="{_safe_name(kept.name)}"'}
        return web.Response(body=kept.content, content_type=kept.media_type, headers=headers)
