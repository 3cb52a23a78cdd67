"""``/privacy`` and ``/terms``: the pages the Teams app package links to (``adapters/teams/package.py``).

They are ``prompts/legal/<page>.<locale>.md``, rendered to a plain HTML page (markdown-it, CommonMark with
raw HTML off: the files are ours, but nothing in them is ever read as markup that runs). The language is
``?lang=fr`` when given, else the first of the browser's ``Accept-Language`` Parvis has, else English. An
organisation with pages of its own points the package at them instead (``[web] privacy_url``,
``terms_url``).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from functools import cache
from importlib import resources

from aiohttp import web
from markdown_it import MarkdownIt

from core.i18n import DEFAULT_LOCALE, LOCALES, normalise_locale

PAGES = ("privacy", "terms")
_STYLE = ("body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;"
          "line-height:1.5;color:#222}code{background:#f2f2f2;padding:0 .2em}")


def install(app: web.Application) -> None:
    """Add ``GET /privacy`` and ``GET /terms``."""
    for page in PAGES:
        app.router.add_get(f"/{page}", _handler(page))


def _handler(page: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve(request: web.Request) -> web.Response:
        locale = choose_locale(request.query.get("lang"), request.headers.get("Accept-Language", ""))
        return web.Response(text=render(page, locale), content_type="text/html", charset="utf-8",
                            headers={"Content-Language": locale, "Vary": "Accept-Language",
                                     "Cache-Control": "public, max-age=3600"})

    return serve


def choose_locale(asked: str | None, accept_language: str) -> str:
    """``?lang=`` if it names a language Parvis has, else the browser's preferred one it has."""
    if asked and normalise_locale(asked, "") in LOCALES:
        return normalise_locale(asked)
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and (locale := normalise_locale(tag, "")) in LOCALES and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


@cache
def render(page: str, locale: str) -> str:
    """The page as HTML, built once per process and language."""
    source = resources.files("prompts").joinpath("legal", f"{page}.{locale}.md").read_text(encoding="utf-8")
    title = next((line.lstrip("# ").strip() for line in source.splitlines() if line.startswith("#")), page)
    body = MarkdownIt("commonmark", {"html": False}).render(source)
    return (f'<!doctype html>\n<html lang="{locale}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n{body}</body></html>\n")
