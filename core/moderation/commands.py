"""``moderation report <message link> [<reason>]``, the report shortcuts of Slack and Teams (the
action ``moderation.report``), and the moderators' *Dismiss* / *Remove* / *Warn author* buttons
(``moderation.decide``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.delivery.immediate import send_now
from core.delivery.models import Delivery
from core.errors import Conflict, DeliveryError, MessageGone, UsageError
from core.messages import Reply
from core.moderation import links, service
from core.moderation.models import Report

if TYPE_CHECKING:
    from core.commands import Action, Actor

#: this module's commands and actions; ``core/moderation/wiring.py`` adds them to the registry
handlers = Handlers()


async def _file(ctx: Context, link_text: str, reason: str, author: Actor | None = None) -> Reply:
    link = links.parse(link_text, ctx.services.tenancy)
    filed = await service.report(ctx.uow, ctx.member_id, link, reason, ctx.services.clock.now(), author)
    services, queued = ctx.services, filed.deliveries
    ctx.after_commit(lambda: send_now(services, queued))
    return Reply(text=ctx.t("moderation.reported", id=filed.report.id))


@handlers.command("moderation", "report")
async def report(ctx: Context, args: Args) -> Reply:
    """``moderation report <message link> [<reason>]``: the moderators get the report to decide."""
    if not args.tokens:
        raise UsageError("moderation.missing_link", usage="usage.moderation.report")
    link_text, _, reason = args.text.strip().partition(" ")
    return await _file(ctx, link_text, reason.strip())


@handlers.action("moderation.report")
async def report_shortcut(ctx: Context, act: Action) -> Reply:
    """A message's "Report to moderators" (Slack shortcut, Teams message action): ``value`` is the
    message's link, ``values`` its author's account on the actor's platform and a reason."""
    from core.commands import Actor

    author_id = act.values.get("author", "")
    author = Actor(act.actor.platform, act.actor.tenant, author_id) if author_id else None
    return await _file(ctx, act.value, act.values.get("reason", ""), author)


def _open(ctx: Context, row: Report) -> None:
    if row.status != "open":
        raise Conflict("moderation.already_decided", id=row.id,
                       outcome=ctx.t(f"moderation.status_{row.status}"))


def _how_to(ctx: Context, row: Report) -> Reply:
    """Parvis did not post the message: the moderator deletes it on the platform, then dismisses."""
    return Reply(text=ctx.t(f"moderation.how_to_{'teams' if row.platform == 'teams' else 'slack'}",
                            id=row.id, link=row.link))


@handlers.action("moderation.decide")
async def decide(ctx: Context, act: Action) -> Reply:
    """A moderator's decision; value ``<report id>:dismiss|remove|warn``. The first one wins."""
    report_id, _, decision = act.value.partition(":")
    row = await service.locked(ctx.uow, report_id)
    _open(ctx, row)
    now = ctx.services.clock.now()
    detail: dict[str, object] = {}
    key = f"moderation.decided_{decision}"
    if decision == "remove":
        delivery = await ctx.uow.session.get(Delivery, row.delivery_id) if row.delivery_id else None
        if delivery is None or not delivery.message_ref.get("message_id"):
            return _how_to(ctx, row)
        messenger = ctx.services.messenger(row.platform)
        if messenger is None:
            raise Conflict("moderation.platform_unavailable", platform=row.platform)
        try:
            await messenger.delete(service.sent_message(delivery))
            detail = {"deleted": True}
        except MessageGone:
            detail, key = {"deleted": False, "gone": True}, "moderation.decided_remove_gone"
        except DeliveryError as error:
            raise Conflict("moderation.delete_failed", id=row.id, reason=error.reason) from error
    elif decision == "warn" and row.author_id is None:
        raise Conflict("moderation.author_unknown", id=row.id)
    queued = await service.decide(ctx.uow, row, decision, ctx.member_id, now, detail)
    services = ctx.services
    ctx.after_commit(lambda: send_now(services, queued))
    return Reply(text=ctx.t(key, id=row.id))
