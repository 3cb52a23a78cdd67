"""The audit trail: who changed what, when — written by every sensitive change, read by admins.

Why one writer: role changes, configuration-seeded grants, campaign starts and closes, synonym
changes, charter acceptances, and later moderation decisions, erasures and exports all leave the
same kind of row, so ``parvis audit`` and the chat's ``audit`` read them alike. A writer calls
``record`` inside the unit of work of the change itself: the entry commits with the change, or not
at all.

``action`` is a stable dotted code (``role.grant``, ``campaign.start``, ``charter.accept``) — the
trail is read by people and by scripts (CSV), so codes are never translated or renamed. ``target``
names the thing acted on (``campaign:12``, ``member:7``, an e-mail address as configured);
``detail`` holds the few values that make the entry readable on its own (the role, the version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from core.activity.models import AuditEntry
from core.directory.models import Member
from core.runtime.columns import utcnow
from core.runtime.db import Database, UnitOfWork

#: how many entries the chat's ``audit`` shows
CHAT_LIMIT = 20


def record(uow: UnitOfWork, actor_id: int | None, action: str, target: str = "",
           detail: Mapping[str, Any] | None = None, *, at: datetime | None = None) -> AuditEntry:
    """Add one entry to the trail, in the caller's transaction (nothing is flushed or committed).

    ``actor_id`` is the member who acted, ``None`` for Parvis itself (the configuration, a scheduled
    close); ``at`` defaults to now — pass the services' clock time where there is one."""
    entry = AuditEntry(actor_id=actor_id, action=action, target=target[:255], at=at or utcnow(),
                       detail=dict(detail or {}))
    uow.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditLine:
    """One entry as it is read: the actor's name beside their id (empty for Parvis itself)."""

    at: datetime
    actor_id: int | None
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def _name(member: Member | None, actor_id: int | None) -> str:
    if actor_id is None:
        return ""
    if member is None or member.erased_at is not None:
        return f"#{actor_id}"
    return member.display_name or member.email or f"#{actor_id}"


async def entries(uow: UnitOfWork, *, since: datetime | None = None, limit: int | None = None,
                  newest_first: bool = False) -> list[AuditLine]:
    """The entries from ``since`` (all when ``None``), oldest first unless ``newest_first``; at most
    ``limit`` (counted from the newest when ``newest_first``)."""
    statement = select(AuditEntry, Member).join(Member, col(Member.id) == col(AuditEntry.actor_id),
                                                isouter=True)
    if since is not None:
        statement = statement.where(col(AuditEntry.at) >= since)
    order = (col(AuditEntry.at).desc(), col(AuditEntry.id).desc()) if newest_first else (
        col(AuditEntry.at), col(AuditEntry.id))
    statement = statement.order_by(*order)
    if limit is not None:
        statement = statement.limit(limit)
    return [AuditLine(entry.at, entry.actor_id, _name(member, entry.actor_id), entry.action, entry.target,
                      dict(entry.detail or {}))
            for entry, member in (await uow.session.exec(statement)).all()]


async def read(db: Database, since: datetime | None = None) -> list[AuditLine]:
    """Every entry from ``since``, oldest first, in a transaction of its own (``parvis audit``)."""
    async with db.uow() as uow:
        return await entries(uow, since=since)
