"""``stats [<weeks>] [org|groups]``: adoption figures in the chat, a short summary and a chart.

Animators and admins see the organisation (``SEEING`` row ``ORGANISATION_FIGURES`` of the permission
table); anyone else the groups they belong to, and asking for the organisation gets a clear refusal.
The chart is drawn in a worker thread (matplotlib is CPU work: the event loop keeps serving) and goes
with the reply as a ``core.messages.Image`` that each adapter shows its own way.
"""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from core.access.rules import permits
from core.access.table import ORGANISATION_FIGURES, SEEING
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import format_day
from core.errors import Forbidden, InvalidInput
from core.groups.models import Group, GroupMember
from core.i18n import Translator
from core.messages import Image, Reply
from core.stats import charts, service, summary
from core.stats.figures import Scope, Stats

#: this module's commands; ``core/stats/wiring.py`` adds them to the registry
handlers = Handlers()

DEFAULT_WEEKS = 8
ORGANISATION = frozenset({"org", "organisation", "organization", "entreprise"})
GROUPS = frozenset({"groups", "group", "groupes", "groupe", "mine"})


def parse(args: Args) -> tuple[int, str | None]:
    """``(weeks, "organisation" | "groups" | None)`` from the arguments, or ``InvalidInput`` naming
    what was wrong."""
    weeks, scope = DEFAULT_WEEKS, None
    for token in args.tokens:
        word = token.lower()
        if word.lstrip("+-").isdigit():
            if not word.isdigit() or not 1 <= int(word) <= service.MAX_WEEKS:
                raise InvalidInput("stats.bad_weeks", value=token, max=service.MAX_WEEKS)
            weeks = int(word)
        elif word in ORGANISATION:
            scope = "organisation"
        elif word in GROUPS:
            scope = "groups"
        else:
            raise InvalidInput("stats.bad_argument", value=token, max=service.MAX_WEEKS)
    return weeks, scope


async def my_groups(ctx: Context) -> list[Group]:
    """The live groups the member belongs to."""
    return list((await ctx.uow.session.exec(
        select(Group).join(GroupMember, col(GroupMember.group_id) == col(Group.id))
        .where(GroupMember.member_id == ctx.member_id, col(Group.archived_at).is_(None))
        .order_by(col(Group.name)))).all())


def chart(stats: Stats, locale: str) -> Image:
    t = Translator(locale, plain=True)
    alt = t("stats.chart_alt", start=format_day(locale, stats.start), end=format_day(locale, stats.end))
    return Image(png=charts.stats_png(stats, t), alt=alt,
                 name=f"parvis-stats-{stats.end.isoformat()}.png")


@handlers.command("stats")
async def stats(ctx: Context, args: Args) -> Reply:
    weeks, asked = parse(args)
    sees_all = permits(ctx.roles, SEEING[ORGANISATION_FIGURES])
    if asked == "organisation" and not sees_all:
        raise Forbidden(SEEING[ORGANISATION_FIGURES].denied)
    if asked == "organisation" or (asked is None and sees_all):
        scope, heading = Scope(), ctx.t("stats.title_organisation")
    else:
        groups = await my_groups(ctx)
        if not groups:
            return Reply(text=ctx.t("stats.no_group_of_mine"))
        scope = Scope("groups", tuple(g.id for g in groups if g.id is not None))
        heading = ctx.t("stats.title_groups", groups=", ".join(g.name for g in groups[:5]))
    found = await service.gather(ctx.uow, scope, ctx.services.clock.now(), weeks,
                                 ctx.services.settings.campaigns.anonymity_min,
                                 member_id=ctx.member_id, roles=ctx.roles)
    sections = summary.sections(ctx.t, found)
    title = f"{heading} — " + ctx.t("stats.period", start=format_day(ctx.locale, found.start),
                                       end=format_day(ctx.locale, found.end))
    image = await asyncio.to_thread(chart, found, ctx.locale)
    return Reply(text="\n\n".join(section.text for section in sections), title=title, sections=sections,
                 context=ctx.t("stats.note", minimum=found.minimum), image=image)
