"""Role management: ``role grant|revoke <role> <member>``, for admins only.

Every change leaves an ``AuditEntry``. The first admins come from the configuration's ``[roles]``
section, never from a command, and the last admin cannot be revoked: Parvis is never left without
someone who can manage roles.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from core.activity.models import AuditEntry
from core.commands.context import Context
from core.commands.grammar import Args, Handlers, closest
from core.directory import members as directory
from core.directory.models import ROLES, Member, MemberRole
from core.errors import Conflict, Forbidden, InvalidInput
from core.messages import Reply

#: this module's commands; ``core/directory/wiring.py`` adds them to the registry
handlers = Handlers()

GRANTABLE: tuple[str, ...] = tuple(role for role in ROLES if role != "member")


async def _admin_count(ctx: Context) -> int:
    statement = select(func.count()).where(MemberRole.role == "admin")
    return (await ctx.uow.session.exec(statement)).one()


async def _require_admin(ctx: Context) -> None:
    if "admin" in ctx.roles:
        return
    raise Forbidden("role.no_admin" if await _admin_count(ctx) == 0 else "role.admins_only")


def _role(word: str) -> str:
    """The role a word names, or InvalidInput listing the valid ones (with a "did you mean")."""
    role = word.strip().lower()
    if role in GRANTABLE:
        return role
    choices = ", ".join(GRANTABLE)
    suggestion = closest(role, list(GRANTABLE))
    if suggestion:
        raise InvalidInput("role.unknown_suggest", role=word, suggestion=suggestion, choices=choices)
    raise InvalidInput("role.unknown", role=word, choices=choices)


async def _target(ctx: Context, args: Args) -> tuple[str, Member]:
    await _require_admin(ctx)
    role = _role(args.tokens[0])
    who = " ".join(args.tokens[1:])
    member = await directory.find_member(ctx.uow, who, ctx.actor.platform, ctx.actor.tenant)
    return role, member


def _audit(ctx: Context, change: str, role: str, member: Member) -> None:
    ctx.uow.session.add(AuditEntry(actor_id=ctx.member_id, action=f"role.{change}",
                                   target=f"member:{member.id}", at=ctx.services.clock.now(),
                                   detail={"role": role}))


@handlers.command("role", "grant", min_args=2)
async def grant(ctx: Context, args: Args) -> Reply:
    """``role grant animator ana@example.com``."""
    role, member = await _target(ctx, args)
    assert member.id is not None
    if await ctx.uow.session.get(MemberRole, (member.id, role)) is not None:
        raise Conflict("role.already_held", who=member.display_name, role=role)
    ctx.uow.session.add(MemberRole(member_id=member.id, role=role, granted_at=ctx.services.clock.now()))
    try:
        await ctx.uow.session.flush()
    except IntegrityError:  # the same grant, twice at once
        raise Conflict("role.already_held", who=member.display_name, role=role) from None
    _audit(ctx, "grant", role, member)
    return Reply(text=ctx.t("role.granted", who=member.display_name, role=role))


@handlers.command("role", "revoke", min_args=2)
async def revoke(ctx: Context, args: Args) -> Reply:
    """``role revoke animator ana@example.com``; the last admin stays."""
    role, member = await _target(ctx, args)
    assert member.id is not None
    held = await ctx.uow.session.get(MemberRole, (member.id, role))
    if held is None:
        raise Conflict("role.not_held", who=member.display_name, role=role)
    if role == "admin" and await _admin_count(ctx) <= 1:
        raise Conflict("role.last_admin", who=member.display_name)
    await ctx.uow.session.delete(held)
    _audit(ctx, "revoke", role, member)
    return Reply(text=ctx.t("role.revoked", who=member.display_name, role=role))
