"""Members, identities and roles: who is acting, and who a command names.

Resolving the actor of every command (identity → member → roles) is the hot path of the bot: a
resolution is kept in the process's ``core.runtime.actor_cache`` (see there how it stays fresh), and
``resolve`` reads it first. A resolution that wrote nothing (the common cache miss) does not commit:
it only read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import col, func, select

from core.directory.models import Identity, Member, MemberRole
from core.errors import Forbidden, NotFound
from core.i18n import normalise_locale
from core.ports import MemberAddress
from core.runtime.actor_cache import COLUMNS, actor_cache, values_of
from core.text import parse_member_mention

if TYPE_CHECKING:
    from core.commands import Actor
    from core.runtime.db import UnitOfWork
    from core.services import Services


class Resolution:
    """The member behind one command: id, locale and roles at once; the ``Member`` row is built only
    when a handler asks for it (``help``, ``group list``, ``expert find`` never do)."""

    __slots__ = ("member_id", "locale", "roles", "_values", "_member")

    @property
    def timezone(self) -> str:
        """The member's IANA time zone, read without building the ``Member``."""
        if self._member is not None:
            return self._member.timezone
        assert self._values is not None
        return str(self._values["timezone"])

    def __init__(self, member_id: int, locale: str, roles: frozenset[str], *,
                 values: dict[str, Any] | None = None, member: Member | None = None) -> None:
        self.member_id, self.locale, self.roles = member_id, locale, roles
        self._values, self._member = values, member

    def value(self, name: str) -> Any:
        """One column of the member's row (``charter_version``…), read without building the ``Member``."""
        if self._member is not None:
            return getattr(self._member, name)
        assert self._values is not None
        return self._values[name]

    def member(self) -> Member:
        if self._member is None:
            assert self._values is not None
            self._member = Member(**self._values)
            make_transient_to_detached(self._member)
        return self._member


async def find_by_email(uow: UnitOfWork, email: str) -> Member | None:
    """The member with this e-mail (case-insensitive), if any."""
    result = await uow.session.exec(select(Member).where(Member.email == email.strip().lower()))
    return result.first()


async def add_by_email(uow: UnitOfWork, email: str, locale: str, now: datetime) -> Member:
    """A member known only by e-mail (granted a role in the configuration before ever appearing)."""
    member = Member(email=email.strip().lower(), locale=locale, created_at=now)
    uow.session.add(member)
    await uow.session.flush()
    return member


@dataclass(frozen=True)
class Person:
    """A member as plain values, for the code outside the core (the console, the command line), which
    never holds a table row."""

    member_id: int
    email: str | None
    display_name: str
    title: str
    locale: str
    erased: bool


def person_of(member: Member) -> Person:
    assert member.id is not None
    return Person(member_id=member.id, email=member.email, display_name=member.display_name,
                  title=member.title, locale=member.locale, erased=member.erased_at is not None)


async def person_by_email(services: Services, email: str) -> Person | None:
    """The member with this e-mail, if any (an entry point: its own transaction)."""
    async with services.db.uow() as uow:
        member = await find_by_email(uow, email)
        return person_of(member) if member is not None else None


async def member_count(services: Services) -> int:
    """How many members the directory holds (erased ones included)."""
    async with services.db.uow() as uow:
        return int((await uow.session.exec(select(func.count()).select_from(Member))).one())


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


def _new_member(actor: Actor, default_locale: str, now: datetime) -> Member:
    """A member first seen now (``created_at`` from the services' clock: "new members" statistics)."""
    return Member(
        created_at=now,
        email=actor.email.strip().lower() if actor.email else None,
        display_name=actor.display_name or actor.email or actor.user_id,
        timezone=actor.timezone or "UTC",
        locale=normalise_locale(actor.locale, default_locale),
    )


def _changes(values: Mapping[str, Any], actor: Actor) -> dict[str, Any]:
    """What the platform knows better than the member's row (``values``: its columns): the language,
    unless the member chose one; the time zone while it is UTC; a missing name."""
    changes: dict[str, Any] = {}
    if actor.locale and not values["locale_chosen"]:
        locale = normalise_locale(actor.locale, values["locale"])
        if locale != values["locale"]:
            changes["locale"] = locale
    if actor.timezone and values["timezone"] == "UTC" and actor.timezone != "UTC":
        changes["timezone"] = actor.timezone
    if actor.display_name and not values["display_name"]:
        changes["display_name"] = actor.display_name
    return changes


def _refresh(member: Member, actor: Actor) -> None:
    """Keep what the platform knows fresh, without overriding a language the member chose."""
    for name, value in _changes(values_of(member), actor).items():
        setattr(member, name, value)


@lru_cache(maxsize=1)
def _known_statement() -> Any:
    """The member behind a platform account with each of their roles: one row per role (a single row
    with no role for a plain member), in one statement."""
    columns = [col(getattr(Member, name)) for name in COLUMNS]
    return (select(*columns, col(MemberRole.role))  # type: ignore[call-overload]
            .select_from(Identity)
            .join(Member, col(Member.id) == col(Identity.member_id))
            .outerjoin(MemberRole, col(MemberRole.member_id) == col(Member.id))
            .where(col(Identity.platform) == bindparam("platform"),
                   col(Identity.tenant) == bindparam("tenant"), col(Identity.user_id) == bindparam("user")))


async def _known(services: Services, actor: Actor) -> tuple[dict[str, Any], frozenset[str]] | None:
    """The columns and roles of the member an account already belongs to, or ``None``."""
    rows = await services.db.read(_known_statement(), {"platform": actor.platform, "tenant": actor.tenant,
                                                       "user": actor.user_id})
    if not rows:
        return None
    roles = frozenset(row[-1] for row in rows if row[-1] is not None) | {"member"}
    return dict(zip(COLUMNS, rows[0][:-1], strict=True)), roles


def check_tenant(services: Services, actor: Actor) -> None:
    """Refuse an account of a tenant or workspace its platform does not serve
    (``core.directory.tenancy``): never joined to a member by the e-mail it reports, never a new member."""
    if not services.tenancy.allows(actor.platform, actor.tenant):
        raise Forbidden("errors.tenant_not_allowed")


async def _resolve_once(services: Services, actor: Actor) -> Resolution:
    """The member behind ``actor``, read in one statement when their account is known and their row
    needs no refresh (the common case: nothing to write, no transaction); else found or created,
    and refreshed, in a transaction."""
    check_tenant(services, actor)
    cache = actor_cache(services.db)
    generation = cache.generation
    known = await _known(services, actor)
    if known is not None and not _changes(known[0], actor):
        values, roles = known
        cache.put(actor, values, roles, generation)
        return Resolution(values["id"], values["locale"], roles, values=values)
    async with services.db.uow() as uow:
        member = await _identity_member(uow, actor)
        if member is None:
            member = await find_by_email(uow, actor.email) if actor.email else None
            if member is None:
                member = _new_member(actor, services.settings.i18n.default_locale, services.clock.now())
                uow.session.add(member)
                await uow.session.flush()
            assert member.id is not None
            uow.session.add(Identity(platform=actor.platform, tenant=actor.tenant, user_id=actor.user_id,
                                     member_id=member.id, created_at=services.clock.now()))
        _refresh(member, actor)
        assert member.id is not None
        roles = await roles_of(uow, member.id)
        if uow.wrote:  # a new identity or member, or a refreshed locale: else nothing to commit
            await uow.commit()
        else:
            cache.put(actor, values_of(member), roles, generation)
        return Resolution(member.id, member.locale, roles, member=member)


async def recognised(services: Services, actor: Actor) -> bool:
    """Whether ``actor``'s account is known (it has an identity); when it is, and the actor says
    nothing new about the member, the resolution is kept in the cache, so the ``resolve`` that
    follows (the router's) reads nothing: one read answers both.

    Why: the first click of each of thousands of members on a campaign prompt asks both questions."""
    if resolved(services, actor, peek=True) is not None:
        return True
    cache = actor_cache(services.db)
    generation = cache.generation
    known = await _known(services, actor)
    if known is None:
        return False
    values, roles = known
    if services.tenancy.allows(actor.platform, actor.tenant) and not _changes(values, actor):
        cache.put(actor, values, roles, generation)
    return True


async def resolve_actor(services: Services, actor: Actor) -> tuple[Member, frozenset[str]]:
    """The member behind ``actor``: by identity, else by e-mail (joining platforms), else new; refused
    (``Forbidden``) when the actor's tenant is not one its platform serves.

    From the process's ``ActorCache`` when it was resolved a moment ago from the same profile (no
    database round trip at all). Two first commands of a new person can race; the unique constraints
    make one of them fail, and the retry then finds the row the other created.
    """
    found = await resolve(services, actor)
    return found.member(), found.roles


async def _resolve_again(services: Services, actor: Actor) -> None:
    """Refresh-ahead of a cached actor (a race with a first command is settled by that command)."""
    try:
        await _resolve_once(services, actor)
    except IntegrityError:
        pass


def resolved(services: Services, actor: Actor, *, peek: bool = False) -> Resolution | None:
    """The member behind ``actor`` if the cache knows them (no database, nothing awaited);
    ``peek``: a miss is not counted."""
    if not services.tenancy.allows(actor.platform, actor.tenant):
        return None  # ``resolve`` refuses it
    cached = actor_cache(services.db).get(actor, partial(_resolve_again, services, actor), peek=peek)
    if cached is None:
        return None
    values = cached.values
    return Resolution(values["id"], values["locale"], cached.roles, values=values)


async def resolve(services: Services, actor: Actor) -> Resolution:
    """Like ``resolve_actor``, without building a ``Member`` from the cache unless it is used."""
    found = resolved(services, actor)
    if found is not None:
        return found
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


def activity_event(member_id: int, actor: Actor, kind: str, name: str, now: datetime) -> dict[str, Any]:
    """One activity event per command or click, for adoption statistics (an ``ActivityEvent`` row's
    values).

    ``name`` is the command name or action prefix, never the text typed: statistics keep no content.
    The router adds it, once the command succeeded, to the process's
    ``core.runtime.activity_log.ActivityLog`` (written in batches).
    """
    return {"member_id": member_id, "kind": kind, "platform": actor.platform,
            "at": now, "detail": {"name": name}}


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


def known_locale(services: Services, actor: Actor) -> str:
    """The language to speak to ``actor`` in when nothing may be awaited (a "working on it…" before the
    core has answered, an apology after a failure): their member's if the core knows them already,
    else the platform's guess, else the default. Adapters ask here rather than look members up."""
    who = resolved(services, actor, peek=True)
    if who is not None:
        return who.locale
    return normalise_locale(actor.locale, services.settings.i18n.default_locale)


async def locale_of(services: Services, actor: Actor) -> str:
    """The language of the member behind ``actor``, resolved as a command would resolve them: for
    the words an adapter says on its own when the router is not asked (a card it cannot read)."""
    return (await resolve(services, actor)).locale
