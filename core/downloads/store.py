"""Files served by URL, each once and for a short while: Teams shows a card's picture by fetching its
URL, and takes a member's export by a download link. Neither must stay reachable by whoever sees the
link later: a chart of adoption figures, still less everything Parvis holds about someone.

``keep`` stores the file under a random token (only its hash is stored) and returns the token;
``find`` says whether a token still names a file (without giving it); ``take`` returns the file and
deletes it in one transaction, so a second fetch — or one after its time — finds nothing; a periodic
job (``prune``) deletes what nobody fetched.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from core.downloads.models import Download
from core.runtime.db import Database

TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Kept:
    """A file as it was kept: its name, media type and bytes."""

    name: str
    media_type: str
    content: bytes = field(repr=False)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def keep(db: Database, content: bytes, now: datetime, *, name: str, media_type: str,
               member_id: int | None = None, ttl: timedelta = TTL) -> str:
    """Store ``content`` until ``now + ttl``; returns the token of its URL. ``member_id``: whom the file
    is about (erasing them deletes it)."""
    token = secrets.token_urlsafe(24)
    async with db.uow() as uow:
        uow.session.add(Download(token_hash=_hash(token), member_id=member_id, name=name[:200],
                                 media_type=media_type, content=content, expires_at=now + ttl))
        await uow.commit()
    return token


async def find(db: Database, token: str, now: datetime) -> str | None:
    """The name of the file ``token`` names if it may still be fetched (nothing is taken)."""
    async with db.uow() as uow:
        found = (await uow.session.exec(select(Download.name).where(
            Download.token_hash == _hash(token), col(Download.expires_at) > now))).first()
    return found


async def take(db: Database, token: str, now: datetime) -> Kept | None:
    """The file of ``token`` if it is still there and not expired; it is gone afterwards either way."""
    async with db.uow() as uow:
        found = (await uow.session.exec(select(Download).where(
            Download.token_hash == _hash(token)).with_for_update())).first()
        if found is None:
            return None
        kept, expired = Kept(found.name, found.media_type, found.content), found.expires_at <= now
        await uow.session.delete(found)
        await uow.commit()
    return None if expired else kept


async def prune(db: Database, now: datetime) -> int:
    """Delete the files nobody fetched in time; returns how many."""
    async with db.uow() as uow:
        result = await uow.session.exec(delete(Download).where(col(Download.expires_at) <= now))
        await uow.commit()
    return int(result.rowcount or 0)
