"""Members, identities and roles: who is acting, and who a command names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from core.errors import NotFound
from core.i18n import normalise_locale
from core.models import ActivityEvent, Identity, Member, MemberRole
from core.ports import MemberAddress
from core.text import parse_member_mention

if TYPE_CHECKING:
    from core.commands import Actor
    from core.context import Context, Services
    from core.db import UnitOfWork


async def find_by_email(uow: UnitOfWork, email: str) -> Member | None:
    """The member with this e-mail (case-insensitive), if any."""
    result = await uow.session.exec(select(Member).where(Member.email == email.strip().lower()))
    return result.first()


async def roles_of(uow: UnitOfWork, member_id: int) -> frozenset[str]:
    result = await uow.session.exec(select(MemberRole.role).where(MemberRole.member_id == member_id))
    return frozenset(result.all()) | {"member"}


async def _identity_member(uow: UnitOfWork, actor: Actor) -> Member | None:
    statement = (
        select(Member)
        .join(Identity, col(Identity.member_id) == col(Member.id))
        .where(Identity.platform == actor.platform, Identity.tenant == actor.tenant,
               Identity.user_id == actor.user_id)
    )
    return (await uow.session.exec(statement)).first()


def _new_member(actor: Actor, default_locale: str) -> Member:
    return Member(
        email=actor.email.strip().lower() if actor.email else None,
        display_name=actor.display_name or actor.email or actor.user_id,
        timezone=actor.timezone or "UTC",
        locale=normalise_locale(actor.locale, default_locale),
    )


def _refresh(member: Member, actor: Actor) -> None:
    """Keep what the platform knows fresh, without overriding a language the member chose."""
    if actor.locale and not member.locale_chosen:
        member.locale = normalise_locale(actor.locale, member.locale)
    if actor.timezone and member.timezone == "UTC":
        member.timezone = actor.timezone
    if actor.display_name and not member.display_name:
        member.display_name = actor.display_name


async def _resolve_once(services: Services, actor: Actor) -> tuple[Member, frozenset[str]]:
    async with services.db.uow() as uow:
        member = await _identity_member(uow, actor)
        if member is None:
            member = await find_by_email(uow, actor.email) if actor.email else None
            if member is None:
                member = _new_member(actor, services.settings.default_locale)
                uow.session.add(member)
                await uow.session.flush()
            assert member.id is not None
            uow.session.add(Identity(platform=actor.platform, tenant=actor.tenant,
                                     user_id=actor.user_id, member_id=member.id))
        _refresh(member, actor)
        assert member.id is not None
        roles = await roles_of(uow, member.id)
        await uow.commit()
        return member, roles


async def resolve_actor(services: Services, actor: Actor) -> tuple[Member, frozenset[str]]:
    """The member behind ``actor``: by identity, else by e-mail (joining platforms), else new.

    Two first commands of a new person can race; the unique constraints make one of them fail, and
    the retry then finds the row the other created.
    """
    try:
        return await _resolve_once(services, actor)
    except IntegrityError:
        return await _resolve_once(services, actor)


async def find_member(uow: UnitOfWork, token: str, platform: str, tenant: str) -> Member:
    """The member a command names: a mention, an e-mail, or an unambiguous display name."""
    mention = parse_member_mention(token)
    member: Member | None = None
    if mention.user_id:
        member = await _identity_member(uow, _mentioned(platform, tenant, mention.user_id))
    if member is None and mention.email:
        member = await find_by_email(uow, mention.email)
    if member is None and mention.name:
        candidates = (await uow.session.exec(
            select(Member).where(func.lower(Member.display_name) == mention.name.lower()).limit(2)
        )).all()
        member = candidates[0] if len(candidates) == 1 else None
    if member is None or member.erased_at is not None:
        raise NotFound("errors.member_not_found", who=token)
    return member


def _mentioned(platform: str, tenant: str, user_id: str) -> Actor:
    from core.commands import Actor

    return Actor(platform=platform, tenant=tenant, user_id=user_id)


async def record_activity(ctx: Context, kind: str, name: str) -> None:
    """One activity event per command or click, for adoption statistics.

    ``name`` is the command name or action prefix, never the text typed: statistics keep no content.
    """
    ctx.uow.session.add(ActivityEvent(member_id=ctx.member_id, kind=kind, platform=ctx.actor.platform,
                                      at=ctx.services.clock.now(), detail={"name": name}))


async def address_of(uow: UnitOfWork, member_id: int) -> MemberAddress | None:
    """Where to reach a member directly: their most recently created identity.

    A person on both Slack and Teams is messaged on the platform they joined from last; ``None``
    when the member has no identity (imported but never seen) or was erased.
    """
    statement = (
        select(Identity)
        .join(Member, col(Member.id) == col(Identity.member_id))
        .where(Identity.member_id == member_id, col(Member.erased_at).is_(None))
        .order_by(col(Identity.created_at).desc(), col(Identity.id).desc())
        .limit(1)
    )
    identity = (await uow.session.exec(statement)).first()
    if identity is None:
        return None
    return MemberAddress(platform=identity.platform, tenant=identity.tenant, user_id=identity.user_id)
