"""Commands that are about Parvis itself: help and the member's language."""

from __future__ import annotations

from functools import lru_cache

from core.commands.context import Context
from core.commands.grammar import COMMANDS, Args, areas, closest, command
from core.directory.models import Member
from core.errors import UsageError
from core.i18n import LOCALES, Translator
from core.messages import Reply, Section


def _area_lines(t: Translator, area: str) -> str:
    lines = [f"• `{t(cmd.usage)}` — {t(cmd.summary)}"
             for path, cmd in sorted(COMMANDS.items()) if path[0] == area]
    return "\n".join(lines)


@lru_cache(maxsize=64)
def _help(locale: str, area: str | None) -> Reply:
    """The help text depends only on the language and the grammar, both fixed once the process
    runs: built once per (language, area), not on every ``help`` (the most frequent command)."""
    t = Translator(locale)
    if area is not None:
        return Reply(text=_area_lines(t, area), title=t("help.area_title", area=area), locale=t.locale)
    sections = tuple(Section(text=f"**{t('help.area.' + name)}**\n{_area_lines(t, name)}")
                     for name in areas())
    text = t("help.intro") + "\n\n" + "\n\n".join(s.text for s in sections)
    return Reply(text=text, title=t("help.title"), sections=sections, context=t("help.footer"),
                 locale=t.locale)


@command("help", cached="shared")
async def help_(ctx: Context, args: Args) -> Reply:
    """``help`` lists the areas; ``help group`` the commands of one area."""
    if args:
        area = args.tokens[0].lower()
        if area not in areas():
            raise UsageError("errors.unknown_help_area", usage="usage.help", word=args.tokens[0],
                             suggestion=closest(area, areas()) or "group")
        return _help(ctx.locale, area)
    return _help(ctx.locale, None)


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
