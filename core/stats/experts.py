"""Questions to the expert directory asked during the period, by the people of the scope: how many
were answered, answered by reusing a past answer, escalated to a referent or expired, and how long
the first answer took (median and 90th percentile, nearest rank)."""

from __future__ import annotations

import math
import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import case
from sqlmodel import col, func, select

from core.experts.models import Answer, Question
from core.runtime.db import UnitOfWork
from core.stats.activity import People
from core.stats.figures import ExpertFigures


def nearest_rank(values: list[float], fraction: float) -> float | None:
    """The value at ``fraction`` of the sorted ``values`` by the nearest-rank method."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def figures(uow: UnitOfWork, people: People, first: datetime, end: datetime) -> ExpertFigures:
    where = [col(Question.created_at) >= first, col(Question.created_at) < end]
    if people is not None:
        where.append(col(Question.asker_id).in_(people))

    def counting(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    asked, reused, escalated, expired = (await uow.session.exec(select(
        func.count(), counting(col(Question.reused_from).is_not(None)),
        counting(col(Question.escalated_at).is_not(None)), counting(col(Question.status) == "expired"))
        .where(*where))).one()
    asked_here = select(Question.id).where(*where)
    first_answers = (select(Answer.question_id, func.min(Answer.created_at).label("at"))
                     .where(col(Answer.question_id).in_(asked_here))
                     .group_by(col(Answer.question_id)).subquery())
    pairs = (await uow.session.exec(
        select(Question.created_at, first_answers.c.at)
        .join(first_answers, first_answers.c.question_id == col(Question.id)).where(*where))).all()
    minutes = [(answered - asked_at).total_seconds() / 60 for asked_at, answered in pairs]
    return ExpertFigures(asked=int(asked), answered=len(minutes), reused=int(reused),
                         escalated=int(escalated), expired=int(expired),
                         median_minutes=statistics.median(minutes) if minutes else None,
                         p90_minutes=nearest_rank(minutes, 0.9))
