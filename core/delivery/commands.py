"""``outbox failed`` and ``outbox retry <id>…|all``: an admin sees the deliveries that gave up and sends
them again, from the chat (``parvis outbox failed|retry`` does the same from the command line).
Admins only: the permission table's row (``core/access/table.py``) refuses anyone else, and hides
the area from their ``help``."""

from __future__ import annotations

from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.delivery import failures
from core.delivery.immediate import send_now
from core.errors import InvalidInput, NotFound
from core.messages import Reply

#: this module's commands; ``core/delivery/wiring.py`` adds them to the registry
handlers = Handlers()

#: failed deliveries shown in the chat; ``parvis outbox failed`` lists them all
SHOWN = 20
EVERYTHING = ("all", "tout", "toutes")


@handlers.command("outbox", "failed")
async def failed(ctx: Context, args: Args) -> Reply:
    """The deliveries that gave up, newest first, with their last error."""
    rows, total = await failures.failed(ctx.uow, SHOWN)
    if not rows:
        return Reply(text=ctx.t("outbox.none_failed"))
    lines = [ctx.t.plural("outbox.failed_line", row.attempts, id=row.id, purpose=row.purpose,
                          target=row.target, error=row.last_error) for row in rows]
    if total > len(rows):
        lines.append(ctx.t("outbox.more", count=total - len(rows)))
    return Reply(title=ctx.t("outbox.failed_title", count=total),
                 text=ctx.t("outbox.failed_intro") + "\n" + "\n".join(lines))


def _ids(ctx: Context, args: Args) -> list[int] | None:
    """The delivery numbers typed (``#12`` or ``12``), or ``None`` for ``all``."""
    if len(args.tokens) == 1 and args.tokens[0].lower() in EVERYTHING:
        return None
    ids = []
    for token in args.tokens:
        number = token.strip(",").lstrip("#")
        if not number.isdigit():
            raise InvalidInput("outbox.bad_id", value=token)
        ids.append(int(number))
    return ids


@handlers.command("outbox", "retry", min_args=1)
async def retry(ctx: Context, args: Args) -> Reply:
    """Failed deliveries back in the outbox, sent at once after the commit (and retried as usual)."""
    wanted = _ids(ctx, args)
    requeued = await failures.retry(ctx.uow, wanted, ctx.services.clock.now(), ctx.member_id)
    if not requeued:
        raise NotFound("outbox.nothing_to_retry" if wanted is None else "outbox.not_failed",
                       ids=", ".join(f"#{i}" for i in wanted or []))
    services = ctx.services
    ctx.after_commit(lambda: send_now(services, requeued))
    lines = [ctx.t("outbox.retried", count=len(requeued))]
    skipped = sorted(set(wanted or []) - set(requeued))
    if skipped:
        lines.append(ctx.t("outbox.not_failed", ids=", ".join(f"#{i}" for i in skipped)))
    return Reply(text="\n".join(lines))
