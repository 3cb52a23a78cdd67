"""Teaching the vocabulary in chat: ``expert synonym add|remove|list`` and ``expert misses``, for
referents and admins.

The decisions live in ``core.directory.synonyms`` and ``core.directory.misses``; this module reads the
arguments and words the replies. Who may is the permission table's ``CURATORS`` row
(``core/access/table.py``): the router refuses anyone else before these handlers run.
"""

from __future__ import annotations

from core.commands.context import Context
from core.commands.grammar import Args, Handlers, closest
from core.dates import day_of, format_day
from core.directory import misses, synonyms
from core.errors import UsageError
from core.markup import Markup
from core.messages import Reply

#: this module's commands; ``core/experts/wiring.py`` adds them to the registry
handlers = Handlers()

WORDS: tuple[str, ...] = ("add", "remove", "list")


@handlers.command("expert", "synonym", min_args=1)
async def synonym(ctx: Context, args: Args) -> Reply:
    """``expert synonym add <word> = <skill>``, ``… remove <word>``, ``… list <skill>``."""
    action, _, rest = args.text.strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    if action not in WORDS:
        raise UsageError("synonym.unknown_action", usage=synonyms.USAGE, word=action,
                         suggestion=closest(action, list(WORDS)) or "add")
    if not rest:
        raise UsageError("synonym.missing", usage=synonyms.USAGE, action=action)
    now = ctx.services.clock.now()
    if action == "add":
        word, skill = synonyms.parse_pair(rest)
        name = await synonyms.add(ctx.uow, word, skill, ctx.member_id, now)
        return Reply(text=ctx.t("synonym.added", word=synonyms.folded(word), skill=name))
    if action == "remove":
        name = await synonyms.remove(ctx.uow, rest, ctx.member_id, now)
        return Reply(text=ctx.t("synonym.removed", word=synonyms.folded(rest), skill=name))
    return _listing(ctx, await synonyms.of_skill(ctx.uow, rest))


def _listing(ctx: Context, found: synonyms.Synonyms) -> Reply:
    zone = ctx.member.timezone
    curated = Markup(", ".join(ctx.t("synonym.list_item", word=word,
                                     day=format_day(ctx.locale, day_of(at, zone)))
                               for word, at in found.curated) or "—")
    lines = [ctx.t("synonym.list_shipped", words=", ".join(found.shipped) or "—"),
             ctx.t("synonym.list_curated", words=curated)]
    return Reply(text="\n".join(lines), title=ctx.t("synonym.list_title", skill=found.skill),
                 context=ctx.t("synonym.list_hint"))


@handlers.command("expert", "misses")
async def missed(ctx: Context, args: Args) -> Reply:
    """``expert misses``: the searches that found nobody, most frequent first."""
    found = await misses.top(ctx.uow, ctx.services.db)
    if not found:
        return Reply(text=ctx.t("misses.none"))
    lines = "\n".join("• " + ctx.t.plural("misses.line", m.count, text=m.text,
                                          day=format_day(ctx.locale, m.last_day))
                      for m in found)
    return Reply(text=ctx.t("misses.intro", lines=Markup(lines)), title=ctx.t("misses.title"),
                 context=ctx.t("misses.hint"))
