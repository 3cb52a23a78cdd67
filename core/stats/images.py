"""Charts served by URL, each once and for a short while: Teams shows a card's picture by fetching
its URL, and a chart of adoption figures must not stay reachable by whoever sees the link later.

``keep`` stores the PNG under a random token (only its hash is stored) and returns the token; ``take``
returns the PNG and deletes it in one transaction, so a second fetch — or one after ``TTL`` — finds
nothing; a periodic job (``prune``) deletes what nobody fetched.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from core.runtime.db import Database
from core.stats.models import ChartImage

TTL = timedelta(minutes=15)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def keep(db: Database, png: bytes, now: datetime, ttl: timedelta = TTL) -> str:
    """Store ``png`` until ``now + ttl``; returns the token of its URL."""
    token = secrets.token_urlsafe(24)
    async with db.uow() as uow:
        uow.session.add(ChartImage(token_hash=_hash(token), png=png, expires_at=now + ttl))
        await uow.commit()
    return token


async def take(db: Database, token: str, now: datetime) -> bytes | None:
    """The PNG of ``token`` if it is still there and not expired; it is gone afterwards either way."""
    async with db.uow() as uow:
        found = (await uow.session.exec(select(ChartImage).where(
            ChartImage.token_hash == _hash(token)).with_for_update())).first()
        if found is None:
            return None
        png, expired = found.png, found.expires_at <= now
        await uow.session.delete(found)
        await uow.commit()
    return None if expired else png


async def prune(db: Database, now: datetime) -> int:
    """Delete the charts nobody fetched in time; returns how many."""
    async with db.uow() as uow:
        result = await uow.session.exec(delete(ChartImage).where(col(ChartImage.expires_at) <= now))
        await uow.commit()
    return int(result.rowcount or 0)
