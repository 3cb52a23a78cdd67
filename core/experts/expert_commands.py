"""Expert directory commands: add, remove, me, find, away, back.

Skills go through ``core.directory.skills`` (canonical names from ``prompts/skills.toml``; unknown skills are
created); search through ``core.directory.search``. ``expert away until <date>`` takes an ISO date
(2026-12-24), a day/month (24/12, 24/12/2026, 24.12), a weekday (friday, vendredi) or tomorrow/demain,
read in the member's time zone; the member is away through that whole day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, or_
from sqlmodel import col, func, select

from core.campaigns.schedules import zone
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.directory import misses, skills
from core.directory.models import ExpertStatus
from core.directory.search import Expert, SearchResult, find_experts
from core.errors import InvalidInput, UsageError
from core.experts.models import Answer, Question
from core.markup import Markup, escape
from core.messages import Reply, Section
from core.runtime.sqlite_driver import read_rows
from core.text import fold, unquote

#: this module's commands; ``core/experts/wiring.py`` adds them to the registry
handlers = Handlers()

LEVEL_KEYS = {1: "expert.level_1", 2: "expert.level_2", 3: "expert.level_3"}
WEEKDAYS = {name: i for i, names in enumerate((
    ("monday", "mon", "lundi"), ("tuesday", "tue", "mardi"), ("wednesday", "wed", "mercredi"),
    ("thursday", "thu", "jeudi"), ("friday", "fri", "vendredi"), ("saturday", "sat", "samedi"),
    ("sunday", "sun", "dimanche"))) for name in names}
_UNTIL = re.compile(r"^(until|till|to|jusqu'?au|jusqu'?à|jusqu'?a|au|le)\s+", re.IGNORECASE)
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?$")
MAX_AWAY_DAYS = 366


def _level(ctx: Context, level: int) -> str:
    return ctx.t(LEVEL_KEYS[level])


@handlers.command("expert", "add", min_args=1)
async def add(ctx: Context, args: Args) -> Reply:
    """``expert add python:3, k8s (2), gestion de projet``; a referent becomes referent for them."""
    wanted = skills.parse_wanted(args.text)
    if not wanted:
        raise UsageError("expert.no_skill_given", usage="usage.expert.add")
    referent = ctx.has_role("referent")
    held = await skills.declare_skills(ctx.uow, ctx.member_id, wanted, referent, ctx.services.clock.now())
    lines = ", ".join(ctx.t("expert.skill_level", skill=h.name, level=_level(ctx, h.level)) for h in held)
    text = ctx.t("expert.added", skills=lines) + "\n" + ctx.t("expert.level_hint")
    if referent:
        text += "\n" + ctx.t("expert.referent_for", skills=", ".join(h.name for h in held))
    return Reply(text=text)


@handlers.command("expert", "remove", min_args=1)
async def remove(ctx: Context, args: Args) -> Reply:
    """``expert remove <skill>`` (any of its names)."""
    name = await skills.remove_skill(ctx.uow, ctx.member_id, unquote(args.text))
    return Reply(text=ctx.t("expert.removed", skill=name))


def _away_line(ctx: Context, away: bool, until: datetime | None) -> str:
    now = ctx.services.clock.now()
    if not away or (until and until <= now):
        return ctx.t("expert.me_available")
    if until is None:
        return ctx.t("expert.me_away")
    return ctx.t("expert.me_away_until", date=_last_day(ctx, until).isoformat())


@lru_cache(maxsize=1)
def _me_statement() -> Any:
    """Answers given, questions waiting, and availability of one member, in one statement."""
    member = bindparam("member", type_=Integer())
    answered = select(func.count()).select_from(Answer).where(col(Answer.author_id) == member)
    waiting = select(func.count()).select_from(Question).where(
        col(Question.assignee_id) == member, or_(col(Question.status) == "routed",
                                                 col(Question.status) == "escalated"))
    mine = col(ExpertStatus.member_id) == member
    return select(answered.scalar_subquery(), waiting.scalar_subquery(),
                  select(ExpertStatus.away).where(mine).scalar_subquery(),
                  select(ExpertStatus.away_until).where(mine).scalar_subquery())


@handlers.command("expert", "me", cached="member")
async def me(ctx: Context, args: Args) -> Reply:
    """My skills with levels, availability, answers given and questions waiting for me."""
    held = await skills.held_skills(ctx.uow, ctx.member_id)
    answered, waiting, away, until = (await read_rows(ctx.uow, _me_statement(), {"member": ctx.member_id}))[0]
    if held:
        marks = [ctx.t("expert.skill_level", skill=h.name, level=_level(ctx, h.level))
                 + (" " + ctx.t("expert.referent_mark") if h.referent else "") for h in held]
        skills_text = ctx.t("expert.me_skills", skills=Markup("\n".join(f"• {m}" for m in marks)))
    else:
        skills_text = ctx.t("expert.me_no_skills")
    text = "\n".join([skills_text, _away_line(ctx, bool(away), until),
                      ctx.t("expert.me_counts", answered=answered, waiting=waiting)])
    return Reply(text=text, title=ctx.t("expert.me_title"))


def _expert_section(ctx: Context, expert: Expert, result: SearchResult) -> Section:
    who = " — ".join(p for p in (expert.name, ", ".join(x for x in (expert.title, expert.department) if x))
                     if p)
    text = f"**{escape(who)}**\n" + ctx.t("expert.find_skills", skills=", ".join(result.skills_of(expert)),
                                level=_level(ctx, expert.level))
    if expert.away:
        text += "\n" + (ctx.t("expert.find_away_until", date=_last_day(ctx, expert.away_until).isoformat())
                        if expert.away_until else ctx.t("expert.find_away"))
    return Section(text=text)


@handlers.command("expert", "find", min_args=1, cached="shared")
async def find(ctx: Context, args: Args) -> Reply:
    """``expert find <topic>``: the people who know it, best first; close skills when nothing matches
    (and the miss is counted, anonymously, for ``expert misses``)."""
    topic = args.text.strip()
    result = await find_experts(ctx.uow, ctx.services.db, topic, ctx.services.clock.now())
    if not result.experts:
        await misses.record(ctx.uow, topic, ctx.services.clock.now())
        if result.suggestions:
            return Reply(text=ctx.t("expert.find_none_suggest", topic=topic,
                                    suggestions=", ".join(result.suggestions)))
        return Reply(text=ctx.t("expert.find_none", topic=topic))
    sections = tuple(_expert_section(ctx, e, result) for e in result.experts)
    title = ctx.t("expert.find_title", skills=", ".join(result.skills))
    return Reply(text="\n\n".join(s.text for s in sections), title=title, sections=sections,
                 context=ctx.t("expert.find_hint"))


def _last_day(ctx: Context, until: datetime) -> date:
    """Away "until" is stored as the moment the member is back; they are away through the day before."""
    return (until.astimezone(zone(ctx.member.timezone)) - timedelta(seconds=1)).date()


def parse_day(text: str, today: date) -> date | None:
    """Read an ISO date, day/month[/year], a weekday (EN/FR) or tomorrow/demain; None if unreadable."""
    word = fold(_UNTIL.sub("", text.strip()).strip().rstrip("."))
    if word in ("tomorrow", "demain"):
        return today + timedelta(days=1)
    if word in WEEKDAYS:
        return today + timedelta(days=(WEEKDAYS[word] - today.weekday() - 1) % 7 + 1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        pass
    if m := _NUMERIC.match(word):
        day, month, year = int(m[1]), int(m[2]), m[3]
        full_year = (2000 + int(year) if len(year) == 2 else int(year)) if year else today.year
        try:
            found = date(full_year, month, day)
        except ValueError:
            return None
        return found.replace(year=full_year + 1) if not year and found < today else found
    return None


@handlers.command("expert", "away")
async def away(ctx: Context, args: Args) -> Reply:
    """``expert away [until <date>]``: no questions are routed to me meanwhile."""
    tz = zone(ctx.member.timezone)
    now = ctx.services.clock.now()
    until: datetime | None = None
    if args:
        today = now.astimezone(tz).date()
        day = parse_day(args.text, today)
        if day is None:
            raise InvalidInput("expert.bad_date", date=args.text.strip())
        if day < today or day > today + timedelta(days=MAX_AWAY_DAYS):
            raise InvalidInput("expert.date_out_of_range", date=day.isoformat(), days=MAX_AWAY_DAYS)
        until = datetime.combine(day + timedelta(days=1), time(0), tz)
    status = await ctx.uow.session.get(ExpertStatus, ctx.member_id)
    if status is None:
        status = ExpertStatus(member_id=ctx.member_id)
        ctx.uow.session.add(status)
    status.away, status.away_until = True, until
    if until is None:
        return Reply(text=ctx.t("expert.away_set"))
    return Reply(text=ctx.t("expert.away_until_set", date=_last_day(ctx, until).isoformat()))


@handlers.command("expert", "back")
async def back(ctx: Context, args: Args) -> Reply:
    """``expert back``: questions are routed to me again."""
    status = await ctx.uow.session.get(ExpertStatus, ctx.member_id)
    if status is not None:
        status.away, status.away_until = False, None
    return Reply(text=ctx.t("expert.back"))
