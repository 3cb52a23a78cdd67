"""Turning a campaign text answer into an expert question, with one button.

A blocker raised in a check-in ("I'm stuck on the Kafka consumer lag") should reach someone who can
help. The respondent clicks "Ask the experts": their answer becomes a question routed by
``core.experts.questions`` as if they had typed ``ask``, and the response remembers it so the summary can show
whether it was answered. Never offered for anonymous campaigns: a question names its asker.

``core.experts.questions`` is looked up when needed, so campaigns keep working in an installation without the
expert directory (the button is then not shown). Its routing notices (messages to the expert and the
asker, written to the outbox) come back in ``Asked`` for the handler to send with ``deliver_notices``
once the transaction commits.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING

from sqlmodel import col, select

from core.campaigns.answers import Target, current
from core.errors import Conflict, Forbidden, NotFound
from core.experts.models import Question
from core.i18n import Translator
from core.messages import Button
from core.runtime.db import Database, UnitOfWork
from core.services import Services
from core.settings import Settings

if TYPE_CHECKING:
    from core.experts.routing import NoticeList

ANSWERED = ("answered", "closed")


def _questions() -> ModuleType | None:
    if importlib.util.find_spec("core.experts.questions") is None:
        return None
    module = importlib.import_module("core.experts.questions")
    needed = ("check_text", "create", "route", "deliver")
    return module if all(hasattr(module, name) for name in needed) else None


@dataclass(frozen=True)
class Asked:
    """The question an answer became, and its routing notices (the outbox rows it wrote, see
    ``core.experts.notices``) to send with ``deliver_notices`` after commit."""

    question_id: int
    notices: NoticeList


def ask_button(t: Translator, found: Target) -> Button | None:
    """The "Ask the experts" button under a saved text answer, when it may be offered."""
    if found.campaign.anonymous or found.prompt.kind != "text" or _questions() is None:
        return None
    return Button(t("campaign.button_ask"), "campaign.ask", f"{found.round.id}:{found.prompt.id}")


async def ask(uow: UnitOfWork, db: Database, found: Target, member_id: int, now: datetime,
              settings: Settings) -> Asked:
    """Route the member's own text answer to the experts (``db``: whose skill vocabulary to match
    it with; ``settings``: the server secret and the routing policy)."""
    questions = _questions()
    if questions is None:
        raise NotFound("campaign.ask_unavailable")
    if found.campaign.anonymous:
        raise Forbidden("campaign.ask_anonymous")
    mine = await current(uow, found, member_id, settings.security)
    if mine is None or not mine.text:
        raise NotFound("campaign.ask_no_answer")
    if mine.question_id is not None:
        raise Conflict("campaign.already_asked", id=mine.question_id)
    question = await questions.create(uow, db, member_id, questions.check_text(mine.text), now)
    routed = await questions.route(uow, question, now, settings.experts)
    mine.question_id = question.id
    uow.session.add(mine)
    await uow.session.flush()
    assert question.id is not None
    return Asked(int(question.id), routed.notices)


async def deliver_notices(services: Services, notices: NoticeList) -> None:
    """Send an ``Asked``'s notices right away; run after commit (a failed send stays in the outbox)."""
    questions = _questions()
    if questions is not None:
        await questions.deliver(services, notices)


async def statuses(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    """The status of the questions some answers became, for the summary."""
    if not ids:
        return {}
    rows = (await uow.session.exec(select(Question.id, Question.status)
                                   .where(col(Question.id).in_(ids)))).all()
    return {int(qid): status for qid, status in rows if qid is not None}
