"""Platform accounts and how to reach them again: the identity store the adapters use.

An ``Identity`` ties ``(platform, tenant, user id)`` to a member; its ``conversation`` (JSON) keeps
whatever that platform needs to message the person later (for Teams: the service URL, the tenant, the
Bot Framework id and the serialised reference of the personal chat). The adapters know what those
values mean; the core only keeps them. So these functions take and return plain values (strings,
dictionaries), and each is an entry point that opens its own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from core.directory.members import resolve_actor
from core.directory.models import Identity, Member
from core.runtime.db import Database, UnitOfWork

if TYPE_CHECKING:
    from core.commands import Actor
    from core.services import Services

#: how many of a tenant's most recent identities ``recent_conversations`` reads
RECENT = 50


def _account(platform: str, tenant: str, user_id: str) -> SelectOfScalar[Identity]:
    return select(Identity).where(Identity.platform == platform, Identity.tenant == tenant,
                                  Identity.user_id == user_id)


async def is_known(services: Services, platform: str, tenant: str, user_id: str) -> bool:
    """Whether this account already has an identity (its member is known)."""
    statement = select(Identity.id).where(Identity.platform == platform, Identity.tenant == tenant,
                                          Identity.user_id == user_id).limit(1)
    return bool(await services.db.read(statement))


async def conversation(services: Services, platform: str, tenant: str, user_id: str) -> dict[str, Any] | None:
    """What is kept about how to reach this account, if anything."""
    async with services.db.uow() as uow:
        row = (await uow.session.exec(_account(platform, tenant, user_id))).first()
        return dict(row.conversation) if row is not None and row.conversation else None


async def _merge(uow: UnitOfWork, platform: str, tenant: str, user_id: str, values: dict[str, Any]) -> bool:
    row = (await uow.session.exec(_account(platform, tenant, user_id))).first()
    if row is None:
        return False
    merged = {**(row.conversation or {}), **{k: v for k, v in values.items() if v is not None}}
    if merged != row.conversation:
        row.conversation = merged
        uow.session.add(row)
        await uow.commit()
    return True


async def merge_conversation(services: Services, platform: str, tenant: str, user_id: str,
                             values: dict[str, Any]) -> bool:
    """Merge ``values`` (those not ``None``) into the account's conversation, writing only when
    something changed, so an ordinary message costs one read; ``False`` when the account has no
    identity."""
    async with services.db.uow() as uow:
        return await _merge(uow, platform, tenant, user_id, values)


async def remember_conversation(services: Services, actor: Actor, values: dict[str, Any]) -> None:
    """Like ``merge_conversation`` for the actor's account, creating its member and identity first
    when the account is new (joined by e-mail to the member they may already be)."""
    if not await merge_conversation(services, actor.platform, actor.tenant, actor.user_id, values):
        await resolve_actor(services, actor)
        await merge_conversation(services, actor.platform, actor.tenant, actor.user_id, values)


async def recent_conversations(services: Services, platform: str, tenant: str) -> list[dict[str, Any]]:
    """The conversations kept for a tenant's most recently created identities, newest first."""
    async with services.db.uow() as uow:
        rows = (await uow.session.exec(
            select(Identity).where(Identity.platform == platform, Identity.tenant == tenant)
            .order_by(col(Identity.id).desc()).limit(RECENT))).all()
    return [dict(row.conversation or {}) for row in rows]


async def identify_by_email(db: Database, platform: str, tenant: str) -> int:
    """Give every member with an e-mail and no identity on ``(platform, tenant)`` one whose user id is
    that e-mail; returns how many were added.

    Only for a directory of made-up people (``parvis demo``): on a real database such an identity would
    take over where a person's messages are delivered. Takes the ``Database`` because the demo seeds
    before any services exist.
    """
    async with db.uow() as uow:
        known = set((await uow.session.exec(select(Identity.member_id).where(
            Identity.platform == platform, Identity.tenant == tenant))).all())
        members = (await uow.session.exec(select(Member).where(col(Member.email).is_not(None)))).all()
        added = 0
        for member in members:
            if member.id is not None and member.id not in known and member.email:
                uow.session.add(Identity(platform=platform, tenant=tenant, user_id=member.email,
                                         member_id=member.id))
                added += 1
        await uow.commit()
    return added
