"""Roles: who holds which, granting and revoking them, and seeding them from the configuration.

One service for every way a role changes hands, so ``role grant|revoke`` (``core.directory.role_commands``)
and the configuration's ``[roles]`` (seeded at start-up by ``bots/bootstrap.py``) follow the same rules
and leave the same ``AuditEntry``. The last admin cannot be revoked: Parvis is never left without
someone who can manage roles. ``[roles]`` seeds each (address, role) once, recorded in ``RoleSeed``:
after that the chat decides, and a role an admin revoked is not granted back at the next start.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from core.activity import audit
from core.directory import members
from core.directory.erased import erased_among
from core.directory.models import Member, MemberRole, RoleSeed
from core.errors import Conflict
from core.ports import Clock
from core.runtime.db import Database, UnitOfWork


async def admin_count(uow: UnitOfWork) -> int:
    statement = select(func.count()).where(MemberRole.role == "admin")
    return (await uow.session.exec(statement)).one()


def _audit(uow: UnitOfWork, change: str, member: Member, role: str, now: datetime, by: int | None,
           target: str | None, source: str | None) -> None:
    detail: dict[str, Any] = {"role": role} | ({"source": source} if source else {})
    audit.record(uow, by, f"role.{change}", target or f"member:{member.id}", detail, at=now)


async def grant(uow: UnitOfWork, member: Member, role: str, now: datetime, *, by: int | None = None,
                target: str | None = None, source: str | None = None) -> bool:
    """Give ``member`` the ``role``; ``False`` when they already hold it.

    Audited with who granted it (``by``; ``None`` for the configuration), the target as written
    (default ``member:<id>``) and where the grant came from (``source``). The same grant made at the
    same moment by another transaction loses on the primary key: ``Conflict`` (``role.already_held``),
    and this transaction must be rolled back.
    """
    assert member.id is not None
    if await uow.session.get(MemberRole, (member.id, role)) is not None:
        return False
    uow.session.add(MemberRole(member_id=member.id, role=role, granted_at=now))
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("role.already_held", who=member.display_name, role=role) from exc
    _audit(uow, "grant", member, role, now, by, target, source)
    return True


async def revoke(uow: UnitOfWork, member: Member, role: str, now: datetime, *, by: int | None = None) -> bool:
    """Take the ``role`` from ``member``; ``False`` when they do not hold it, ``Conflict`` for the last
    admin."""
    assert member.id is not None
    held = await uow.session.get(MemberRole, (member.id, role))
    if held is None:
        return False
    if role == "admin" and await admin_count(uow) <= 1:
        raise Conflict("role.last_admin", who=member.display_name)
    await uow.session.delete(held)
    _audit(uow, "revoke", member, role, now, by, None, None)
    return True


async def _seed_once(db: Database, grants: list[tuple[str, str]], default_locale: str, clock: Clock,
                     secrets: tuple[str, ...]) -> int:
    granted = 0
    async with db.uow() as uow:
        erased = await erased_among(uow, {email for email, _ in grants}, secrets)
        for email, role in grants:
            if await uow.session.get(RoleSeed, (email, role)) is not None:
                continue  # seeded at an earlier start: whatever the chat did since stands
            member = await members.find_by_email(uow, email)
            if member is None and email in erased:
                continue  # erased at their request: not made a member again (``core.directory.erased``)
            if member is None:
                member = await members.add_by_email(uow, email, default_locale, clock.now())
            if await grant(uow, member, role, clock.now(), target=email, source="configuration"):
                granted += 1
            uow.session.add(RoleSeed(email=email, role=role, seeded_at=clock.now()))
            await uow.session.flush()
        await uow.commit()
    return granted


async def seed(db: Database, grants: Iterable[tuple[str, str]], *, default_locale: str, clock: Clock,
               secrets: tuple[str, ...] = ()) -> int:
    """Grant the configured ``(e-mail, role)`` pairs not seeded before, creating members known only by
    e-mail, and record each as seeded; returns how many roles were newly granted. An address erased at
    its owner's request (recognised with ``secrets``, ``SecuritySettings.keys``) is not made a member
    again.

    Once per pair: a pair seeded at an earlier start is skipped, so a role an admin revoked in the chat
    stays revoked. Safe when two processes start at once: the loser of a race retries and finds the
    rows. It takes the ``Database`` rather than the services because it runs before they exist (at
    start-up, like ``core.directory.importer.import_directory`` from the command line).
    """
    pairs = list(dict.fromkeys((email.strip().lower(), role) for email, role in grants))
    try:
        return await _seed_once(db, pairs, default_locale, clock, secrets)
    except (IntegrityError, Conflict):
        return await _seed_once(db, pairs, default_locale, clock, secrets)
