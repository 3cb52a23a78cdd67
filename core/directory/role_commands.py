"""Role management: ``role grant|revoke <role> <member>``, for admins only (the permission table's
rows ``role grant`` and ``role revoke``, checked by the router before these handlers run).

The changes themselves (audited, the last admin kept) are ``core.directory.roles``, the same service
that seeds the configuration's ``[roles]``; the first admins come from there, never from a command.
"""

from __future__ import annotations

from core.commands.context import Context
from core.commands.grammar import Args, Handlers, closest
from core.delivery.immediate import send_now
from core.delivery.outbox import Source
from core.directory import members as directory
from core.directory import notices, roles
from core.directory.models import ROLES, Member
from core.errors import Conflict, InvalidInput
from core.messages import Reply

#: this module's commands; ``core/directory/wiring.py`` adds them to the registry
handlers = Handlers()

GRANTABLE: tuple[str, ...] = tuple(role for role in ROLES if role != "member")


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
    role = _role(args.tokens[0])
    who = " ".join(args.tokens[1:])
    member = await directory.find_member(ctx.uow, who, ctx.actor.platform, ctx.actor.tenant)
    return role, member


async def _tell(ctx: Context, member: Member, role: str, change: str) -> None:
    """The member hears of the change (by a direct message after commit), unless they made it."""
    if member.id is None or member.id == ctx.member_id:
        return
    source = Source("role", f"{member.id}/{role}/{change}/{notices.unique()}")
    values = {"by": ctx.member.display_name, "role": role}
    key, now = f"notify.role_{change}", ctx.services.clock.now()
    rows = await notices.tell(ctx.uow, member.id, source, key, values, now)
    services = ctx.services
    ctx.after_commit(lambda: send_now(services, rows))


@handlers.command("role", "grant", min_args=2)
async def grant(ctx: Context, args: Args) -> Reply:
    """``role grant animator ana@example.com``."""
    role, member = await _target(ctx, args)
    if not await roles.grant(ctx.uow, member, role, ctx.services.clock.now(), by=ctx.member_id):
        raise Conflict("role.already_held", who=member.display_name, role=role)
    await _tell(ctx, member, role, "grant")
    return Reply(text=ctx.t("role.granted", who=member.display_name, role=role))


@handlers.command("role", "revoke", min_args=2)
async def revoke(ctx: Context, args: Args) -> Reply:
    """``role revoke animator ana@example.com``; the last admin stays."""
    role, member = await _target(ctx, args)
    if not await roles.revoke(ctx.uow, member, role, ctx.services.clock.now(), by=ctx.member_id):
        raise Conflict("role.not_held", who=member.display_name, role=role)
    await _tell(ctx, member, role, "revoke")
    return Reply(text=ctx.t("role.revoked", who=member.display_name, role=role))
