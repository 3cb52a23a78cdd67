"""``privacy export`` and ``privacy delete``: a member's rights over their data, in the chat.

``privacy delete`` asks first: it says what goes and what stays, with an *Erase my data* button
(Slack, Teams, a numbered choice in the console) valid for ``CONFIRM_SECONDS``; typing
``privacy delete confirm`` does the same on every platform. The button carries the member it was
given to: clicked again after the erasure (the person is a new member by then), it says the data was
erased already rather than erase anything.

Both commands refuse, in the member's words, to act for a member already erased — which a process
still holding them in its cache for a few seconds can meet (``core.runtime.actor_cache``); that
process then forgets them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.commands import Action
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.directory import erased
from core.directory.models import Member
from core.errors import Conflict, InvalidInput, UsageError
from core.messages import Button, Reply, Section
from core.privacy import audit, erasure
from core.privacy.export import export

#: this module's commands; ``core/privacy/wiring.py`` adds them to the registry
handlers = Handlers()

CONFIRM_WORDS = frozenset({"confirm", "confirmer"})
#: how long the *Erase my data* button works after ``privacy delete`` showed it
CONFIRM_SECONDS = 600
ACTION = "privacy.delete"


async def _present(ctx: Context, key: str) -> Member:
    """The member's row, read now (the cache may be seconds old); ``Conflict(key)`` if erased since."""
    member = await ctx.uow.session.get(Member, ctx.member_id)
    assert member is not None  # a member row is never deleted
    if member.erased_at is not None:
        erased.forget(ctx.services, ctx.member_id)
        raise Conflict(key, date=member.erased_at.date())
    return member


@handlers.command("privacy", "export")
async def export_data(ctx: Context, args: Args) -> Reply:
    """``privacy export``: the file of everything Parvis holds about the member."""
    member = await _present(ctx, "privacy.export_erased")
    now = ctx.services.clock.now()
    file, count = await export(ctx.uow, member, now, ctx.locale)
    audit.record(ctx.uow, "export", ctx.member_id, now, rows=count)
    return Reply(text=ctx.t("privacy.export.ready", rows=count, name=file.name), attachment=file)


def _confirmation(ctx: Context, now: datetime) -> Reply:
    button = Button(label=ctx.t("privacy.delete.button"), action_id=ACTION, style="danger",
                    value=f"{ctx.member_id}:{int(now.timestamp())}")
    goes, stays = ctx.t("privacy.delete.goes"), ctx.t("privacy.delete.stays")
    text = "\n\n".join((ctx.t("privacy.delete.intro"), goes, stays))
    return Reply(title=ctx.t("privacy.delete.title"), text=text,
                 sections=(Section(text=goes), Section(text=stays)), buttons=(button,),
                 context=ctx.t("privacy.delete.typed", minutes=CONFIRM_SECONDS // 60))


async def _erase(ctx: Context) -> Reply:
    await _present(ctx, "privacy.already_erased")
    await erasure.erase(ctx.uow, ctx.member_id, ctx.services.clock.now(),
                        secrets=ctx.services.settings.security.keys)
    ctx.forgotten = True
    return Reply(text=ctx.t("privacy.delete.done"))


@handlers.command("privacy", "delete")
async def delete(ctx: Context, args: Args) -> Reply:
    """``privacy delete`` asks; ``privacy delete confirm`` erases."""
    if not args:
        await _present(ctx, "privacy.already_erased")
        return _confirmation(ctx, ctx.services.clock.now())
    if args.tokens[0].lower() not in CONFIRM_WORDS or len(args.tokens) > 1:
        raise UsageError("privacy.delete.unknown_word", usage="usage.privacy.delete", word=args.text)
    return await _erase(ctx)


def _issued(value: str) -> tuple[int, datetime] | None:
    """The member and moment a confirmation button was given for, from its value."""
    member, _, moment = value.partition(":")
    if not (member.isdigit() and moment.isdigit()):
        return None
    return int(member), datetime.fromtimestamp(int(moment), tz=UTC)


@handlers.action(ACTION)
async def confirmed(ctx: Context, act: Action) -> Reply:
    """*Erase my data*: the member it was given to, within ``CONFIRM_SECONDS``."""
    issued = _issued(act.value)
    if issued is None:
        raise InvalidInput("privacy.delete.expired", minutes=CONFIRM_SECONDS // 60)
    member_id, at = issued
    if member_id != ctx.member_id:  # theirs, before an erasure made them a new member?
        given_to = await ctx.uow.session.get(Member, member_id)
        if given_to is not None and given_to.erased_at is not None:
            raise Conflict("privacy.already_erased", date=given_to.erased_at.date())
    ctx.require(ACTION, {"addressee"} if member_id == ctx.member_id else ())
    if ctx.services.clock.now() - at > timedelta(seconds=CONFIRM_SECONDS):
        raise InvalidInput("privacy.delete.expired", minutes=CONFIRM_SECONDS // 60)
    return await _erase(ctx)
