"""Expert directory commands: add, remove, me, find, away, back.

Skills go through ``core.directory.skills`` (canonical names from ``prompts/skills.toml``; unknown skills are
created); search through ``core.directory.search``. ``expert away until <date>`` takes any date
``core.dates`` reads (2026-12-24, 24/12, friday, next friday, vendredi prochain, jusqu'au 10 janvier…), from
the member's today in their time zone; the member is away through that whole day. The day is stored as a
date (shown as that day to readers anywhere) beside the instant they are back (what routing compares).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, bindparam, or_, true
from sqlmodel import col, func, select

from core.campaigns.schedules import zone
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import format_day, parse_day
from core.directory import misses, skills
from core.directory.models import ExpertSkill, ExpertStatus, Skill
from core.directory.search import Expert, SearchResult, find_experts
from core.errors import InvalidInput, UsageError
from core.experts.models import Answer, Question
from core.i18n import Translator
from core.markup import Markup, escape
from core.messages import Reply, Section
from core.runtime.sqlite_driver import read_rows
from core.text import unquote

#: this module's commands; ``core/experts/wiring.py`` adds them to the registry
handlers = Handlers()

LEVEL_KEYS = {1: "expert.level_1", 2: "expert.level_2", 3: "expert.level_3"}
MAX_AWAY_DAYS = 366


def _level(ctx: Context, level: int) -> str:
    """A level's name in the member's language (``expert find`` writes one per expert shown)."""
    return _level_name(ctx.t.locale, ctx.t.plain, level)


@lru_cache(maxsize=32)
def _level_name(locale: str, plain: bool, level: int) -> str:
    return Translator(locale, plain=plain)(LEVEL_KEYS[level])


@handlers.command("expert", "add", min_args=1)
async def add(ctx: Context, args: Args) -> Reply:
    """``expert add python:3, k8s (2), gestion de projet``; a referent becomes referent for them."""
    wanted = skills.parse_wanted(args.text)
    if not wanted:
        raise UsageError("expert.no_skill_given", usage="usage.expert.add")
    referent = ctx.has_role("referent")
    ctx.uow.may_write_alone()  # the skills are this command's only write (``UnitOfWork.write``)
    held = await skills.declare_skills(ctx.uow, ctx.member_id, wanted, referent, ctx.services.clock.now())
    lines = ", ".join(ctx.t("expert.skill_level", skill=h.name, level=_level(ctx, h.level)) for h in held)
    text = ctx.t("expert.added", skills=lines) + "\n" + ctx.t("expert.level_hint")
    if referent:
        text += "\n" + ctx.t("expert.referent_for", skills=", ".join(h.name for h in held))
    return Reply(text=text)


@handlers.command("expert", "remove", min_args=1)
async def remove(ctx: Context, args: Args) -> Reply:
    """``expert remove <skill>`` (any of its names)."""
    ctx.uow.may_write_alone()  # the skill removed is this command's only write (``UnitOfWork.write``)
    name = await skills.remove_skill(ctx.uow, ctx.member_id, unquote(args.text))
    return Reply(text=ctx.t("expert.removed", skill=name))


def _away_line(ctx: Context, away: bool, until: datetime | None, through: date | None) -> str:
    now = ctx.services.clock.now()
    if not away or (until and until <= now):
        return ctx.t("expert.me_available")
    if until is None:
        return ctx.t("expert.me_away")
    return ctx.t("expert.me_away_until", date=_day(ctx, through or _last_day(ctx, until)))


@lru_cache(maxsize=1)
def _me_statement() -> Any:
    """Answers given, questions waiting, availability and the skills held (best level first) of one
    member, in one statement: a row per skill, the first five columns alike on each (one row with
    no skill when the member holds none)."""
    member = bindparam("member", type_=Integer())
    answered = select(func.count()).select_from(Answer).where(col(Answer.author_id) == member)
    waiting = select(func.count()).select_from(Question).where(
        col(Question.assignee_id) == member, or_(col(Question.status) == "routed",
                                                 col(Question.status) == "escalated"))
    mine = col(ExpertStatus.member_id) == member
    # SQLModel types ``select`` for at most 4 columns; it takes any number (SQLAlchemy's select)
    counts = select(answered.scalar_subquery().label("answered"),  # type: ignore[call-overload]
                    waiting.scalar_subquery().label("waiting"),
                    select(ExpertStatus.away).where(mine).scalar_subquery().label("away"),
                    select(ExpertStatus.away_until).where(mine).scalar_subquery().label("until"),
                    select(col(ExpertStatus.away_through)).where(mine).scalar_subquery().label("through"),
                    ).subquery("me")
    held = (select(Skill.name, ExpertSkill.level, ExpertSkill.referent)
            .join(ExpertSkill, col(ExpertSkill.skill_id) == col(Skill.id))
            .where(col(ExpertSkill.member_id) == member).subquery("held"))
    return (select(counts.c.answered, counts.c.waiting, counts.c.away, counts.c.until,  # type: ignore[call-overload]
                   counts.c.through, held.c.name, held.c.level, held.c.referent)
            .select_from(counts).outerjoin(held, true())
            .order_by(held.c.level.desc(), held.c.name))


@handlers.command("expert", "me", cached="member")
async def me(ctx: Context, args: Args) -> Reply:
    """My skills with levels, availability, answers given and questions waiting for me."""
    rows = await read_rows(ctx.uow, _me_statement(), {"member": ctx.member_id})
    answered, waiting, away, until, through = rows[0][:5]
    held = [skills.HeldSkill(name, level, bool(referent)) for *_, name, level, referent in rows
            if name is not None]
    if held:
        marks = [ctx.t("expert.skill_level", skill=h.name, level=_level(ctx, h.level))
                 + (" " + ctx.t("expert.referent_mark") if h.referent else "") for h in held]
        skills_text = ctx.t("expert.me_skills", skills=Markup("\n".join(f"• {m}" for m in marks)))
    else:
        skills_text = ctx.t("expert.me_no_skills")
    text = "\n".join([skills_text, _away_line(ctx, bool(away), until, through),
                      ctx.t("expert.me_counts", answered=answered, waiting=waiting)])
    return Reply(text=text, title=ctx.t("expert.me_title"))


def _expert_section(ctx: Context, expert: Expert, result: SearchResult) -> Section:
    who = " — ".join(p for p in (expert.name, ", ".join(x for x in (expert.title, expert.department) if x))
                     if p)
    text = f"**{escape(who)}**\n" + ctx.t("expert.find_skills", skills=", ".join(result.skills_of(expert)),
                                level=_level(ctx, expert.level))
    if expert.away:
        text += "\n" + (ctx.t("expert.find_away_until", date=_day(ctx, expert.away_through))
                         if expert.away_through else ctx.t("expert.find_away"))
    return Section(text=text)


@handlers.command("expert", "find", min_args=1, cached="shared")
async def find(ctx: Context, args: Args) -> Reply:
    """``expert find <topic>``: the people who know it, best first; close skills when nothing matches
    (and the miss is counted, anonymously, for ``expert misses``)."""
    topic = args.text.strip()
    result = await find_experts(ctx.uow, ctx.services.db, topic, ctx.services.clock.now())
    if not result.experts:  # counted once the command succeeded; a reply never answered from memory
        ctx.after_commit(misses.counting(ctx.services.db, topic, ctx.services.clock.now()))
        if result.suggestions:
            return Reply(text=ctx.t("expert.find_none_suggest", topic=topic,
                                    suggestions=", ".join(result.suggestions)))
        return Reply(text=ctx.t("expert.find_none", topic=topic))
    sections = tuple(_expert_section(ctx, e, result) for e in result.experts)
    title = ctx.t("expert.find_title", skills=", ".join(result.skills))
    return Reply(text="\n\n".join(s.text for s in sections), title=title, sections=sections,
                 context=ctx.t("expert.find_hint"))


def _last_day(ctx: Context, until: datetime) -> date:
    """The last day away of a row written before days were stored (the instant they are back, less a
    second, in the reader's time zone)."""
    return (until.astimezone(zone(ctx.member.timezone)) - timedelta(seconds=1)).date()


def _day(ctx: Context, day: date) -> str:
    return format_day(ctx.locale, day)


@handlers.command("expert", "away")
async def away(ctx: Context, args: Args) -> Reply:
    """``expert away [until <date>]``: no questions are routed to me meanwhile."""
    tz = zone(ctx.member.timezone)
    now = ctx.services.clock.now()
    until: datetime | None = None
    through: date | None = None
    if args:
        today = now.astimezone(tz).date()
        day = parse_day(args.text, today)
        if day is None:
            raise InvalidInput("expert.bad_date", date=args.text.strip())
        if day < today or day > today + timedelta(days=MAX_AWAY_DAYS):
            raise InvalidInput("expert.date_out_of_range", date=_day(ctx, day), days=MAX_AWAY_DAYS)
        until = datetime.combine(day + timedelta(days=1), time(0), tz)
        through = day
    status = await ctx.uow.session.get(ExpertStatus, ctx.member_id)
    if status is None:
        status = ExpertStatus(member_id=ctx.member_id)
        ctx.uow.session.add(status)
    status.away, status.away_until, status.away_through = True, until, through
    if through is None:
        return Reply(text=ctx.t("expert.away_set"))
    return Reply(text=ctx.t("expert.away_until_set", date=_day(ctx, through)))


@handlers.command("expert", "back")
async def back(ctx: Context, args: Args) -> Reply:
    """``expert back``: questions are routed to me again; someone who was not away (or whose date has
    passed) is told so rather than welcomed back."""
    status = await ctx.uow.session.get(ExpertStatus, ctx.member_id)
    now = ctx.services.clock.now()
    was_away = status is not None and status.away and (status.away_until is None or status.away_until > now)
    if status is not None:
        status.away, status.away_until, status.away_through = False, None, None
    return Reply(text=ctx.t("expert.back" if was_away else "expert.not_away"))
