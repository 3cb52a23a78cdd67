"""Signing in to the web console from the chat, without a password.

``dashboard`` (``core.web.commands``) writes a sign-in link: a random token, valid once and for
``LINK_TTL``. Opening it (``open_session``) spends the link and starts a session of
``[web] session_hours``, whose own random token lives in the browser's cookie. Only the SHA-256 of each
token is stored, so a copy of the database opens nothing. Each form of a session carries its CSRF
token (``csrf_of``): an HMAC of the session token, so nothing more is stored, and a page of another
site, which cannot read the cookie, cannot forge it. Admins revoke sessions (``revoke``, audited).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, delete, select

from core.activity import audit
from core.commands.requests import Actor
from core.directory.members import roles_of
from core.directory.models import Identity, Member
from core.errors import NotFound
from core.runtime.db import Database, UnitOfWork
from core.web.models import WebSession

LINK_TTL = timedelta(minutes=10)
LINK, SESSION = "link", "session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_of(token: str) -> str:
    """The CSRF token of the session ``token`` (what every form of that session must send back)."""
    return hmac.new(token.encode(), b"parvis-web-csrf", hashlib.sha256).hexdigest()


def csrf_matches(token: str, sent: str) -> bool:
    return hmac.compare_digest(csrf_of(token), sent)


def issue_link(uow: UnitOfWork, member_id: int, now: datetime) -> str:
    """A sign-in link's token for ``member_id``, valid once until ``now + LINK_TTL``."""
    token = secrets.token_urlsafe(32)
    uow.session.add(WebSession(token_hash=_hash(token), kind=LINK, member_id=member_id, created_at=now,
                               expires_at=now + LINK_TTL))
    return token


async def open_session(db: Database, link: str, now: datetime, hours: int) -> str | None:
    """Spend the sign-in ``link`` and return a new session's token; ``None`` when the link is unknown,
    already used or expired (it is gone afterwards either way)."""
    async with db.uow() as uow:
        found = (await uow.session.exec(select(WebSession).where(
            WebSession.token_hash == _hash(link), WebSession.kind == LINK).with_for_update())).first()
        if found is None:
            return None
        member_id, expired = found.member_id, found.expires_at <= now
        await uow.session.delete(found)
        token = None
        if not expired:
            token = secrets.token_urlsafe(32)
            uow.session.add(WebSession(token_hash=_hash(token), kind=SESSION, member_id=member_id,
                                       created_at=now, expires_at=now + timedelta(hours=hours)))
        await uow.commit()
    return token


@dataclass(frozen=True)
class Visitor:
    """The member behind a live session, as the pages need them."""

    session_id: int
    member_id: int
    name: str
    locale: str
    timezone: str
    roles: frozenset[str]
    #: how the chat knows them: the web console acts through the same router, as them
    actor: Actor
    csrf: str


async def _actor(uow: UnitOfWork, member: Member) -> Actor | None:
    found = (await uow.session.exec(select(Identity).where(Identity.member_id == member.id)
                                    .order_by(col(Identity.id)))).first()
    if found is None:
        return None
    return Actor(found.platform, found.tenant, found.user_id, email=member.email,
                 display_name=member.display_name, timezone=member.timezone, locale=member.locale)


async def visitor(db: Database, token: str, now: datetime) -> Visitor | None:
    """The member whose live session ``token`` names, or ``None`` (unknown, expired, revoked, erased)."""
    async with db.uow() as uow:
        found = (await uow.session.exec(select(WebSession, Member)
                                        .join(Member, col(Member.id) == col(WebSession.member_id))
                                        .where(WebSession.token_hash == _hash(token),
                                               WebSession.kind == SESSION,
                                               col(WebSession.expires_at) > now))).first()
        if found is None or found[1].erased_at is not None:
            return None
        session, member = found
        assert session.id is not None and member.id is not None
        actor = await _actor(uow, member)
        if actor is None:
            return None
        roles = await roles_of(uow, member.id)
    return Visitor(session.id, member.id, member.display_name or member.email or f"#{member.id}",
                   member.locale, member.timezone, roles, actor, csrf_of(token))


async def end(db: Database, token: str) -> None:
    """Log out: the session of ``token`` is deleted."""
    async with db.uow() as uow:
        await uow.session.exec(delete(WebSession).where(col(WebSession.token_hash) == _hash(token)))
        await uow.commit()


@dataclass(frozen=True)
class SessionLine:
    """A live session, as admins see it."""

    id: int
    member_id: int
    name: str
    created_at: datetime
    expires_at: datetime


async def live(uow: UnitOfWork, now: datetime) -> list[SessionLine]:
    """Every live session, newest first."""
    found = (await uow.session.exec(select(WebSession, Member)
                                    .join(Member, col(Member.id) == col(WebSession.member_id))
                                    .where(WebSession.kind == SESSION, col(WebSession.expires_at) > now)
                                    .order_by(col(WebSession.id).desc()))).all()
    return [SessionLine(int(s.id or 0), member.id or 0, member.display_name or member.email or "",
                        s.created_at, s.expires_at) for s, member in found]


async def revoke(uow: UnitOfWork, session_id: int, by: int, now: datetime) -> SessionLine:
    """End someone's session (an admin's decision, audited); ``NotFound`` if it is not live."""
    lines = {line.id: line for line in await live(uow, now)}
    line = lines.get(session_id)
    if line is None:
        raise NotFound("web.session_not_found", id=session_id)
    await uow.session.exec(delete(WebSession).where(col(WebSession.id) == session_id))
    audit.record(uow, by, "web.session_revoke", f"member:{line.member_id}", {"session": session_id}, at=now)
    return line


async def prune(db: Database, now: datetime) -> int:
    """Delete expired links and sessions; returns how many."""
    async with db.uow() as uow:
        result = await uow.session.exec(delete(WebSession).where(col(WebSession.expires_at) <= now))
        await uow.commit()
    return int(result.rowcount or 0)


async def listing(db: Database, now: datetime) -> list[SessionLine]:
    """Every live session (an entry point: the admins' page)."""
    async with db.uow() as uow:
        return await live(uow, now)
