"""Retention: what is personal is not kept for ever (``[privacy] keep_events_days``, ``keep_texts_days``).

- Activity events older than ``keep_events_days`` are deleted, and with them the weeks of the
  roll-up that ended before that day (``core.activity.weeks``): ``stats`` and ``parvis report`` count
  nothing older. The default (730 days) is the furthest ``stats`` looks back.
- Texts older than ``keep_texts_days``: a finished expert question (answered, closed or expired)
  and the answers to it lose their text, as do campaign answers (anonymous ones too) of rounds due
  before that day. A question others may reuse as a public answer keeps its text and its answers,
  without their authors — as on erasure (``core.privacy.erasure``). Counts stay: the rows remain.

Run by a periodic job (``core.privacy.wiring``) in one process at a time; each run changes only what
passed a limit since the last, so running it often costs little and a restart never skips a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select, update

from core.activity.models import ActivityEvent, ActivityWeek
from core.activity.weeks import week_of
from core.campaigns.models import Response, Round
from core.experts.models import Answer, Question
from core.experts.questions import ACTIVE
from core.runtime.db import UnitOfWork
from core.settings import PrivacySettings


@dataclass(frozen=True)
class Pruned:
    """What one run removed: events and roll-up weeks deleted, texts emptied, authors forgotten."""

    events: int = 0
    weeks: int = 0
    texts: int = 0
    authors: int = 0


async def _count(uow: UnitOfWork, statement: Any) -> int:
    return int((await uow.session.exec(statement)).rowcount or 0)


async def _events(uow: UnitOfWork, before: datetime) -> tuple[int, int]:
    events = await _count(uow, delete(ActivityEvent).where(col(ActivityEvent.at) < before))
    # a week is gone once all of it is older than the limit
    weeks = await _count(uow, delete(ActivityWeek).where(col(ActivityWeek.week) < week_of(before)))
    return events, weeks


async def _texts(uow: UnitOfWork, before: datetime) -> tuple[int, int]:
    old = select(Question.id).where(col(Question.created_at) < before, col(Question.status).not_in(ACTIVE))
    kept = select(Question.id).where(col(Question.id).in_(old), col(Question.reusable))
    blanked = select(Question.id).where(col(Question.id).in_(old), ~col(Question.reusable))
    authors = await _count(uow, update(Question).where(col(Question.id).in_(kept),
                                                      col(Question.asker_id).is_not(None)).values(asker_id=None))
    authors += await _count(uow, update(Answer).where(col(Answer.question_id).in_(kept),
                                                      col(Answer.author_id).is_not(None)).values(author_id=None))
    texts = await _count(uow, update(Question).where(col(Question.id).in_(blanked), col(Question.text) != "")
                         .values(text=""))
    texts += await _count(uow, update(Answer).where(col(Answer.question_id).in_(blanked),
                                                    col(Answer.text) != "").values(text=""))
    rounds = select(Round.id).where(col(Round.due_at) < before)
    texts += await _count(uow, update(Response).where(col(Response.round_id).in_(rounds),
                                                      col(Response.text).is_not(None)).values(text=None))
    return texts, authors


async def enforce(uow: UnitOfWork, now: datetime, policy: PrivacySettings) -> Pruned:
    """Remove, in ``uow``, what is older than the limits of ``policy``."""
    events, weeks = await _events(uow, now - timedelta(days=policy.keep_events_days))
    texts, authors = await _texts(uow, now - timedelta(days=policy.keep_texts_days))
    return Pruned(events, weeks, texts, authors)
