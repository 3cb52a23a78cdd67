"""``charter [accept|status]``, the charter's *Accept* button, and ``audit``.

``charter`` shows the usage charter (with *Accept* until the member accepted its current version),
``charter accept`` and the button accept it, ``charter status`` tells admins who accepted which
version (the ``SEEING`` row ``CHARTER_ACCEPTANCES``). ``audit`` shows admins the last entries of the
audit trail (``core.activity.audit``; ``parvis audit`` reads all of it on the server).
"""

from __future__ import annotations

from datetime import datetime

from core.access.rules import permits
from core.access.table import CHARTER_ACCEPTANCES, SEEING
from core.activity import audit
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.commands.requests import Action
from core.dates import format_moment
from core.errors import Forbidden, UsageError
from core.governance import charter, messages
from core.governance.charter import Charter
from core.messages import Reply

#: this module's commands; ``core/governance/wiring.py`` adds them to the registry
handlers = Handlers()

ACCEPT_WORDS = frozenset({"accept", "accepter", "j'accepte"})
STATUS_WORDS = frozenset({"status", "statut", "état", "etat"})


def _current(ctx: Context) -> Charter:
    return charter.load(ctx.services.settings.governance.charter_dir)


def _when(ctx: Context, moment: datetime | None) -> str:
    """A moment in the member's time zone, to the minute."""
    if moment is None:
        return "—"
    return format_moment(ctx.locale, moment, ctx.member.timezone)


@handlers.command("charter")
async def charter_command(ctx: Context, args: Args) -> Reply:
    """``charter`` reads it, ``charter accept`` accepts it, ``charter status`` (admins) says who did."""
    if not args:
        return _show(ctx)
    word = args.tokens[0].lower()
    if word in ACCEPT_WORDS:
        return await _accept(ctx, _current(ctx))
    if word in STATUS_WORDS:
        if not permits(ctx.roles, SEEING[CHARTER_ACCEPTANCES]):
            raise Forbidden(SEEING[CHARTER_ACCEPTANCES].denied)
        return await _status(ctx)
    raise UsageError("charter.unknown_word", usage="usage.charter", word=args.tokens[0])


@handlers.action(messages.ACCEPT)
async def accept_clicked(ctx: Context, act: Action) -> Reply:
    """*Accept* under a charter: the version shown must still be the current one."""
    current = _current(ctx)
    if act.value != current.version:
        return messages.charter_reply(ctx.t, current, acceptable=True,
                                      note=ctx.t("charter.changed", version=current.version))
    return await _accept(ctx, current)


def _show(ctx: Context) -> Reply:
    current = _current(ctx)
    member = ctx.member
    if charter.needs_acceptance(member.charter_version, current):
        return messages.charter_reply(ctx.t, current, acceptable=True)
    note = ctx.t("charter.accepted_on", date=_when(ctx, member.charter_accepted_at))
    return messages.charter_reply(ctx.t, current, acceptable=False, note=note)


async def _accept(ctx: Context, current: Charter) -> Reply:
    now = ctx.services.clock.now()
    if await charter.accept(ctx.uow, ctx.member_id, current.version, now):
        return Reply(text=ctx.t("charter.thanks", version=current.version))
    return Reply(text=ctx.t("charter.already", version=current.version,
                            date=_when(ctx, ctx.member.charter_accepted_at)))


async def _status(ctx: Context) -> Reply:
    t, current = ctx.t, _current(ctx)
    found = await charter.standing(ctx.uow)
    lines = [t("charter.status_current", version=current.version, total=found.members,
               count=found.by_version.get(current.version, 0))]
    lines += [t("charter.status_older", version=version, count=count)
              for version, count in sorted(found.by_version.items(), key=lambda item: str(item[0]))
              if version not in (None, current.version)]
    lines.append(t("charter.status_none", count=found.by_version.get(None, 0)))
    if found.latest:
        lines += ["", t("charter.status_latest")]
        lines += [t("charter.status_line", name=acceptance.name, version=acceptance.version or "—",
                    date=_when(ctx, acceptance.accepted_at)) for acceptance in found.latest]
    return Reply(text="\n".join(lines), title=t("charter.status_title"))


@handlers.command("audit")
async def audit_command(ctx: Context, args: Args) -> Reply:
    """``audit``: the last entries of the audit trail, newest first (admins)."""
    if args:
        raise UsageError("audit.no_arguments", usage="usage.audit", limit=audit.CHAT_LIMIT)
    found = await audit.entries(ctx.uow, limit=audit.CHAT_LIMIT, newest_first=True)
    if not found:
        return Reply(text=ctx.t("audit.empty"))
    lines = [ctx.t("audit.line", when=_when(ctx, line.at), who=line.actor or ctx.t("audit.parvis"),
                   action=line.action, target=line.target or "—",
                   detail=", ".join(f"{key}={value}" for key, value in line.detail.items()) or "—")
             for line in found]
    return Reply(text="\n".join(lines), title=ctx.t("audit.title", count=len(found)))
