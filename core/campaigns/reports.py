"""The figures behind ``parvis report campaign ID`` and ``parvis report adoption``, as plain dataclasses.

Formatting (CSV, HTML, PNG) lives in ``bots/cli_reports.py``; this module only gathers numbers, and
applies the privacy rules before anything leaves it, so no format can forget them:

- a campaign report is built from ``core.campaigns.summaries.summarise`` (the same counts as the in-chat
  ``campaign report``): anonymous campaigns carry no names, and an anonymous prompt with fewer than
  ``minimum`` answers (``[campaigns] anonymity_min``) carries no figure at all — no text, choice
  count, scale value or average —, only a flag saying so (``summaries.withheld``);
- adoption statistics are counts of ``ActivityEvent`` rows (a command or click name, never content);
  an erased member's past activity still counts, as nobody's (``core.privacy.erasure``), so that the
  weeks before their erasure stay true.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import date as Day  # RoundFigures has a field named date

from sqlalchemy import ColumnElement, distinct
from sqlmodel import col, func, select

from core.access.rules import ADMIN
from core.activity.models import ActivityEvent
from core.activity.weeks import week_of
from core.campaigns import aggregates, summaries
from core.campaigns import lifecycle as campaigns
from core.campaigns.answers import SCALE
from core.campaigns.models import Campaign, Round
from core.directory.models import Member
from core.runtime.db import Database, UnitOfWork
from core.settings import ANONYMITY_FLOOR
from core.stats.figures import Scope, Stats
from core.stats.service import gather

MAX_WEEKS = 104


@dataclass(frozen=True)
class TextAnswer:
    text: str
    #: who wrote it: ``None`` for anonymous campaigns and for erased members
    who: str | None = None
    #: the status of the expert question the answer became, if it became one
    question_status: str | None = None


@dataclass(frozen=True)
class PromptFigures:
    position: int
    text: str
    kind: str
    answers: int
    #: (option, count) in the prompt's order, for choice prompts
    choices: tuple[tuple[str, int], ...] = ()
    #: (value, count) for every value of the scale, for scale prompts
    scale: tuple[tuple[int, int], ...] = ()
    average: float | None = None
    texts: tuple[TextAnswer, ...] = ()
    #: text answers not in ``texts`` (a report listing only the first ones of each prompt and round)
    more_texts: int = 0
    #: every figure above is withheld (anonymous prompt, fewer answers than ``CampaignReport.minimum``):
    #: ``choices``, ``scale`` and ``texts`` are empty and ``average`` is ``None``
    hidden: bool = False


@dataclass(frozen=True)
class RoundFigures:
    index: int
    date: str
    recipients: int
    respondents: int
    #: participation in percent, ``None`` when nobody was sent the prompt directly (channel mode)
    rate: int | None
    closed: bool
    prompts: tuple[PromptFigures, ...]

    @property
    def day(self) -> Day:
        """The round's day, for people to read (``date`` stays ISO for CSV columns)."""
        return Day.fromisoformat(self.date)


@dataclass(frozen=True)
class CampaignReport:
    id: int
    title: str
    status: str
    anonymous: bool
    rounds: tuple[RoundFigures, ...]
    #: the fewest answers an anonymous prompt's figures are shown from
    minimum: int


def _prompt(item: summaries.PromptSummary, anonymous: bool, minimum: int) -> PromptFigures:
    prompt = item.prompt
    if summaries.withheld(anonymous, item, minimum):
        return PromptFigures(position=prompt.position, text=prompt.text, kind=prompt.kind,
                             answers=item.answers, hidden=True)
    choices: tuple[tuple[str, int], ...] = ()
    scale: tuple[tuple[int, int], ...] = ()
    if prompt.kind == "choice":
        extra = [option for option in item.choices if option not in prompt.options]
        choices = tuple((option, item.choices.get(option, 0)) for option in [*prompt.options, *extra])
    elif prompt.kind == "scale":
        scale = tuple((value, item.scale.get(value, 0)) for value in SCALE)
    texts = tuple(TextAnswer(text, None if anonymous else who, status) for who, text, status in item.texts)
    return PromptFigures(position=prompt.position, text=prompt.text, kind=prompt.kind, answers=item.answers,
                         choices=choices, scale=scale, average=item.average, texts=texts,
                         more_texts=item.more_texts)


def _round(summary: summaries.RoundSummary, anonymous: bool, minimum: int) -> RoundFigures:
    round_ = summary.round
    return RoundFigures(index=round_.index, date=round_.wall[:10], recipients=summary.recipients,
                        respondents=summary.respondents, rate=summary.rate,
                        closed=round_.closed_at is not None,
                        prompts=tuple(_prompt(item, anonymous, minimum) for item in summary.prompts))


async def all_rounds(uow: UnitOfWork, campaign_id: int) -> list[Round]:
    statement = select(Round).where(Round.campaign_id == campaign_id).order_by(col(Round.index))
    return list((await uow.session.exec(statement)).all())


async def campaign_report(db: Database, reference: str, minimum: int, texts: int | None = None
                          ) -> CampaignReport:
    """Every round of the campaign ``reference`` names (``12`` or ``#12``), oldest first
    (``minimum``: ``[campaigns] anonymity_min``; ``texts``: the most text answers listed per prompt
    and round, ``None`` for all), counted by the database (``aggregates``).

    Raises ``NotFound`` (``campaign.not_found``) when there is no such campaign.
    """
    async with db.uow() as uow:
        return await report_of(uow, await campaigns.get(uow, reference), minimum, texts)


async def report_of(uow: UnitOfWork, campaign: Campaign, minimum: int, texts: int | None = None
                    ) -> CampaignReport:
    """``campaign_report`` of a campaign already read in ``uow`` (the web console's, which has just
    checked the reader may see it)."""
    assert campaign.id is not None
    found = await aggregates.summarise_rounds(uow, campaign, await all_rounds(uow, campaign.id), texts)
    return CampaignReport(id=campaign.id, title=campaign.title, status=campaign.status,
                          anonymous=campaign.anonymous, minimum=minimum,
                          rounds=tuple(_round(summary, campaign.anonymous, minimum) for summary in found))


# -- adoption ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekActivity:
    #: the Monday (UTC) the week starts on
    start: date
    #: distinct members with at least one event that week, whatever the platform
    active: int
    #: (platform, distinct active members on it)
    by_platform: tuple[tuple[str, int], ...]
    commands: int
    clicks: int
    new_members: int


@dataclass(frozen=True)
class CampaignRate:
    id: int
    title: str
    anonymous: bool
    rounds: int
    recipients: int
    respondents: int

    @property
    def rate(self) -> int | None:
        return round(100 * self.respondents / self.recipients) if self.recipients else None


@dataclass(frozen=True)
class AdoptionReport:
    start: date
    end: date
    weeks: tuple[WeekActivity, ...]
    #: every platform seen in the period, in a stable order
    platforms: tuple[str, ...]
    campaigns: tuple[CampaignRate, ...]
    #: the organisation's figures as ``stats`` gives them to an admin: departments, roles and experts
    #: included, with their privacy rules (``core.stats``)
    stats: Stats | None = None


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 UTC of the week ``moment`` falls in (the weeks of the activity roll-up)."""
    return week_of(moment)


def _live_events(start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    """The filter of events counted: in ``[start, end)`` (erased members' too: their history)."""
    return col(ActivityEvent.at) >= start, col(ActivityEvent.at) < end


async def _week(uow: UnitOfWork, start: datetime) -> WeekActivity:
    end = start + timedelta(days=7)
    where = _live_events(start, end)
    joined = col(Member.id) == col(ActivityEvent.member_id)
    active = (await uow.session.exec(
        select(func.count(distinct(col(ActivityEvent.member_id)))).join(Member, joined).where(*where))).one()
    per_platform = (await uow.session.exec(
        select(ActivityEvent.platform, func.count(distinct(col(ActivityEvent.member_id))))
        .join(Member, joined).where(*where).group_by(col(ActivityEvent.platform))
        .order_by(col(ActivityEvent.platform)))).all()
    per_kind = dict((await uow.session.exec(
        select(ActivityEvent.kind, func.count()).select_from(ActivityEvent).join(Member, joined)
        .where(*where).group_by(col(ActivityEvent.kind)))).all())
    new = (await uow.session.exec(
        select(func.count()).select_from(Member).where(
            col(Member.created_at) >= start, col(Member.created_at) < end))).one()
    return WeekActivity(start=start.date(), active=int(active),
                        by_platform=tuple((platform or "?", int(n)) for platform, n in per_platform),
                        commands=int(per_kind.get("command", 0)), clicks=int(per_kind.get("action", 0)),
                        new_members=int(new))


async def _campaign_rates(uow: UnitOfWork, start: datetime, end: datetime) -> list[CampaignRate]:
    """Per campaign, the rounds due in the period with their summed recipients and respondents."""
    statement = (select(Round, Campaign).join(Campaign, col(Campaign.id) == col(Round.campaign_id))
                 .where(col(Round.due_at) >= start, col(Round.due_at) < end)
                 .order_by(col(Campaign.id), col(Round.index)))
    found = (await uow.session.exec(statement)).all()
    counted = await aggregates.participation(uow, [round_.id for round_, _ in found if round_.id is not None])
    totals: dict[int, tuple[Campaign, int, int, int]] = {}
    for round_, campaign in found:
        assert campaign.id is not None
        sent, answered = counted[round_.id or 0]
        _, rounds, recipients, respondents = totals.get(campaign.id, (campaign, 0, 0, 0))
        totals[campaign.id] = (campaign, rounds + 1, recipients + sent, respondents + answered)
    return [CampaignRate(id=campaign_id, title=campaign.title, anonymous=campaign.anonymous, rounds=rounds,
                         recipients=recipients, respondents=respondents)
            for campaign_id, (campaign, rounds, recipients, respondents) in totals.items()]


async def adoption_report(db: Database, now: datetime, weeks: int = 8, minimum: int = ANONYMITY_FLOOR
                          ) -> AdoptionReport:
    """The last ``weeks`` weeks (the current one included, Monday to Sunday, UTC); ``minimum``:
    ``[campaigns] anonymity_min``."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be between 1 and {MAX_WEEKS}")
    first = week_start(now) - timedelta(weeks=weeks - 1)
    end = week_start(now) + timedelta(weeks=1)
    async with db.uow() as uow:
        found = [await _week(uow, first + timedelta(weeks=n)) for n in range(weeks)]
        rates = await _campaign_rates(uow, first, end)
        figures = await gather(uow, Scope(), now, weeks, minimum, member_id=0, roles=frozenset({ADMIN}))
    platforms = tuple(sorted({platform for week in found for platform, _ in week.by_platform}))
    return AdoptionReport(start=first.date(), end=(end - timedelta(days=1)).date(), weeks=tuple(found),
                          platforms=platforms, campaigns=tuple(rates), stats=figures)
