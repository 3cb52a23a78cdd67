"""A reply's picture (a chart) in a Teams card: inline when it fits, else by a single-use URL.

Teams takes an activity of at most 28 KB (``outbound.ACTIVITY_LIMIT``) and shows a card's ``Image``
from its ``url``, which may be a ``data:`` URI. A small PNG goes inline (``INLINE_LIMIT`` bytes of
base64 leave room for the card's text); a larger one is kept by the core (``core.downloads``) and
served by Parvis at ``<[web] public_url>/charts/<token>.png`` once, within 15 minutes: a link to
adoption figures must not keep working for whoever sees it later. Without ``[web] public_url`` a large
chart cannot be shown, and the card says so.
"""

from __future__ import annotations

import base64

from aiohttp import web

from core.downloads import store
from core.messages import Image
from core.services import Services

ROUTE = "/charts/{token}.png"
#: bytes of base64 a card may carry inline, the rest of the 28 KB going to the card's text
INLINE_LIMIT = 14 * 1024


class Pictures:
    """Places pictures for cards, and serves those placed by URL."""

    def __init__(self, services: Services, public_url: str | None) -> None:
        self.services = services
        self.public_url = public_url.rstrip("/") if public_url else None
        self.inline_limit = INLINE_LIMIT

    async def url_of(self, image: Image) -> str | None:
        """Where the card finds ``image``: a ``data:`` URI, a single-use URL, or ``None``."""
        encoded = base64.b64encode(image.png).decode()
        if len(encoded) <= self.inline_limit:
            return f"data:image/png;base64,{encoded}"
        if self.public_url is None:
            return None
        token = await store.keep(self.services.db, image.png, self.services.clock.now(), name=image.name,
                                 media_type="image/png")
        return self.public_url + ROUTE.format(token=token)

    def install(self, app: web.Application) -> None:
        app.router.add_get(ROUTE, self.serve)

    async def serve(self, request: web.Request) -> web.Response:
        """``GET /charts/<token>.png``: the PNG once, then 404; never cached by a proxy."""
        kept = await store.take(self.services.db, request.match_info["token"], self.services.clock.now())
        if kept is None or kept.media_type != "image/png":
            return web.Response(status=404)
        return web.Response(body=kept.content, content_type="image/png",
                            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
