"""Round summaries counted by the database: the figures of ``summaries.summarise`` for many rounds at
once, without loading every answer.

``summarise`` reads each answer of a round as an object and counts in Python, one round at a time:
fine for the chat's latest round, far too slow for a report of every round of a big campaign (issue 18:
one second a results page). Here a handful of ``GROUP BY`` queries count recipients, respondents,
answers, choices and scale values for all the rounds asked, and only the text answers are read, at
most ``texts`` of them per prompt and round when a page lists only the first ones.

The result is the same ``RoundSummary`` as ``summarise``'s, figure for figure and text for text, in the
same order (tests/test_report_aggregates.py holds the two equal): non-anonymous texts by answer time
then id, anonymous ones by their text (byte order, the order of Python's sort, hence ``COLLATE "C"``
on PostgreSQL) with no name. Withholding an anonymous prompt below ``anonymity_min`` stays
``summaries.withheld``'s, decided by the callers on these counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, distinct, literal_column
from sqlalchemy import select as wide_select
from sqlmodel import col, func

from core.campaigns.lifecycle import prompts_of
from core.campaigns.models import Campaign, Response, Round
from core.campaigns.summaries import PromptSummary, RoundSummary
from core.delivery.models import Delivery
from core.directory.models import Member
from core.experts.models import Question
from core.runtime.db import UnitOfWork


async def participation(uow: UnitOfWork, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Round → (recipients, respondents), as ``summarise`` counts them, for every round of ``ids``: one
    statement, each count an index look-up of its round (recipients: members its prompt was sent to
    directly, ``summaries._recipients``'s count; respondents: distinct, from the index alone)."""
    if not ids:
        return {}
    recipients = (wide_select(func.count()).select_from(Delivery)
                  .where(col(Delivery.round_id) == col(Round.id), col(Delivery.purpose) == "prompt",
                         col(Delivery.target_kind) == "member", col(Delivery.status) == "sent")
                  .scalar_subquery())
    respondents = (wide_select(func.count(distinct(col(Response.respondent))))
                   .where(col(Response.round_id) == col(Round.id)).scalar_subquery())
    statement: Any = wide_select(col(Round.id), recipients, respondents).where(col(Round.id).in_(ids))
    counted = {int(round_id): (int(sent or 0), int(answered or 0))
               for round_id, sent, answered in await _rows(uow, statement)}
    return {round_id: counted.get(round_id, (0, 0)) for round_id in ids}


def _has_text() -> Any:
    return and_(col(Response.text).is_not(None), col(Response.text) != "")


async def _counts(uow: UnitOfWork, ids: list[int], prompts: dict[tuple[int, int], PromptSummary]) -> None:
    """Answers, choices, scale values and how many texts, per round and prompt, into ``prompts``."""
    texts = func.sum(case((_has_text(), 1), else_=0))
    statement: Any = (wide_select(col(Response.round_id), col(Response.prompt_id), col(Response.choice),
                                  col(Response.scale), func.count(), texts)
                      .where(col(Response.round_id).in_(ids))
                      .group_by(col(Response.round_id), col(Response.prompt_id), col(Response.choice),
                                col(Response.scale)))
    rows = await _rows(uow, statement)
    for round_id, prompt_id, choice, scale, n, written in rows:
        summary = prompts.get((int(round_id), int(prompt_id)))
        if summary is None:
            continue
        summary.answers += int(n)
        summary.more_texts += int(written or 0)
        if choice is not None:
            summary.choices[choice] += int(n)
        if scale is not None:
            summary.scale[int(scale)] += int(n)


async def _texts(uow: UnitOfWork, campaign: Campaign, ids: list[int],
                 prompts: dict[tuple[int, int], PromptSummary], limit: int | None) -> None:
    """The text answers (at most ``limit`` per round and prompt), with their author's name unless
    anonymous and the status of the expert question each became.

    Every text of every round in one statement, read as plain rows (no ORM object per answer); with no
    ``limit`` (the CSV: thousands of answers) the rows are simply ordered, without the window that
    ranks them for a page listing the first ones."""
    anonymous = campaign.anonymous
    if anonymous:
        by_text = (col(Response.text).collate("C") if uow.dialect == "postgresql"
                   else col(Response.text))
        order: tuple[Any, ...] = (by_text, col(Response.answered_at), col(Response.id))
    else:
        order = (col(Response.answered_at), col(Response.id))
    name: Any = literal_column("NULL") if anonymous else col(Member.display_name)
    status = col(Question.status)
    if limit is None:
        # the name and question status looked up per answer by primary key: joined, PostgreSQL's
        # planner hashes the whole member and question tables for a thousand answers (9 ms against 3)
        author: Any = (literal_column("NULL") if anonymous else
                       wide_select(col(Member.display_name))
                       .where(col(Member.id) == col(Response.member_id), col(Member.erased_at).is_(None))
                       .scalar_subquery())
        became = (wide_select(col(Question.status)).where(col(Question.id) == col(Response.question_id))
                  .scalar_subquery())
        statement: Any = (wide_select(col(Response.round_id), col(Response.prompt_id), col(Response.text),
                                      author, became)
                          .where(col(Response.round_id).in_(ids), _has_text())
                          .order_by(col(Response.round_id), col(Response.prompt_id), *order))
    else:
        rank = func.row_number().over(partition_by=(col(Response.round_id), col(Response.prompt_id)),
                                      order_by=order).label("rank")
        inner = (wide_select(col(Response.round_id), col(Response.prompt_id), col(Response.text),
                             col(Response.member_id), col(Response.question_id), rank)
                 .where(col(Response.round_id).in_(ids), _has_text()).subquery())
        statement = (wide_select(inner.c.round_id, inner.c.prompt_id, inner.c.text, name, status)
                     .select_from(inner)
                     .outerjoin(Member, and_(col(Member.id) == inner.c.member_id,
                                             col(Member.erased_at).is_(None)))
                     .outerjoin(Question, col(Question.id) == inner.c.question_id)
                     .where(inner.c.rank <= limit)
                     .order_by(inner.c.round_id, inner.c.prompt_id, inner.c.rank))
    for round_id, prompt_id, text, who, status in await _rows(uow, statement):
        summary = prompts.get((int(round_id), int(prompt_id)))
        if summary is not None:
            summary.texts.append((who, text, status))
            summary.more_texts -= 1


async def _rows(uow: UnitOfWork, statement: Any) -> Sequence[Any]:
    """A Core statement's rows through the unit of work's connection: plain tuples, none of the ORM
    session's result handling (these statements name columns, never entities)."""
    return (await (await uow.session.connection()).execute(statement)).all()


async def summarise_rounds(uow: UnitOfWork, campaign: Campaign, rounds: Sequence[Round],
                           texts: int | None = None) -> list[RoundSummary]:
    """``summaries.summarise`` of each of ``rounds``, in their order, counted in SQL; ``texts``: the
    most text answers listed per prompt and round (``None``: all), the rest counted in ``more_texts``."""
    assert campaign.id is not None
    ids = [r.id for r in rounds if r.id is not None]
    if not ids:
        return []
    asked = await prompts_of(uow, campaign.id)
    prompts = {(round_id, p.id): PromptSummary(p) for round_id in ids for p in asked if p.id is not None}
    await _counts(uow, ids, prompts)
    await _texts(uow, campaign, ids, prompts, texts)
    counted = await participation(uow, ids)
    return [RoundSummary(r, *counted[r.id or 0],
                         [prompts[(r.id or 0, p.id)] for p in asked if p.id is not None]) for r in rounds]
