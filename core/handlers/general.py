"""Commands that are about Parvis itself: help and the member's language."""

from __future__ import annotations

from core.commands import COMMANDS, Args, areas, closest, command
from core.context import Context
from core.errors import UsageError
from core.i18n import LOCALES
from core.messages import Reply, Section
from core.models import Member


def _area_lines(ctx: Context, area: str) -> str:
    lines = [f"• `{ctx.t(cmd.usage)}` — {ctx.t(cmd.summary)}"
             for path, cmd in sorted(COMMANDS.items()) if path[0] == area]
    return "\n".join(lines)


@command("help")
async def help_(ctx: Context, args: Args) -> Reply:
    """``help`` lists the areas; ``help group`` the commands of one area."""
    if args:
        area = args.tokens[0].lower()
        if area not in areas():
            raise UsageError("errors.unknown_help_area", usage="usage.help", word=args.tokens[0],
                             suggestion=closest(area, areas()) or "group")
        return Reply(text=_area_lines(ctx, area), title=ctx.t("help.area_title", area=area))
    sections = tuple(Section(text=f"*{ctx.t('help.area.' + area)}*\n{_area_lines(ctx, area)}")
                     for area in areas())
    text = ctx.t("help.intro") + "\n\n" + "\n\n".join(s.text for s in sections)
    return Reply(text=text, title=ctx.t("help.title"), sections=sections, context=ctx.t("help.footer"))


@command("lang", min_args=1)
async def lang(ctx: Context, args: Args) -> Reply:
    """``lang fr`` switches every reply and message to French for this member, on every platform."""
    choice = args.tokens[0].lower()
    if choice not in LOCALES:
        raise UsageError("lang.unknown", usage="usage.lang", value=args.tokens[0],
                         choices=", ".join(LOCALES))
    # the row as it is now (ctx.member may be a few seconds old): only the language changes
    member = await ctx.uow.session.get(Member, ctx.member_id)
    assert member is not None
    member.locale = choice
    member.locale_chosen = True
    ctx.t.locale = choice
    return Reply(text=ctx.t("lang.changed"))
