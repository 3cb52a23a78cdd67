"""(filled below)."""

from __future__ import annotations

from aiohttp import web


def install(app: web.Application) -> None:
    return None
