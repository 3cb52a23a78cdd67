"""Turning a campaign text answer into an expert question, with one button.

A blocker raised in a check-in ("I'm stuck on the Kafka consumer lag") should reach someone who can
help. The respondent clicks "Ask the experts": their answer becomes a question routed by
``core.experts.questions`` as if they had typed ``ask``, and the response remembers it so the summary can show
whether it was answered. Never offered for anonymous campaigns: a question names its asker.

``core.experts.questions`` is looked up when needed, so campaigns keep working in an installation without the
expert directory (the button is then not shown).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from sqlmodel import col, select

from core.campaigns.answers import Target, current, server_secret
from core.commands.context import Context
from core.errors import Conflict, Forbidden, NotFound
from core.experts.models import Question
from core.messages import Button
from core.runtime.db import UnitOfWork

ANSWERED = ("answered", "closed")


def _questions() -> ModuleType | None:
    if importlib.util.find_spec("core.experts.questions") is None:
        return None
    module = importlib.import_module("core.experts.questions")
    needed = ("check_text", "create", "route")
    return module if all(hasattr(module, name) for name in needed) else None


def ask_button(ctx: Context, found: Target) -> Button | None:
    """The "Ask the experts" button under a saved text answer, when it may be offered."""
    if found.campaign.anonymous or found.prompt.kind != "text" or _questions() is None:
        return None
    return Button(ctx.t("campaign.button_ask"), "campaign.ask", f"{found.round.id}:{found.prompt.id}")


async def ask(ctx: Context, found: Target) -> int:
    """Route the member's own text answer to the experts; returns the new question's id."""
    questions = _questions()
    if questions is None:
        raise NotFound("campaign.ask_unavailable")
    if found.campaign.anonymous:
        raise Forbidden("campaign.ask_anonymous")
    mine = await current(ctx.uow, found, ctx.member_id, server_secret(ctx.services.settings))
    if mine is None or not mine.text:
        raise NotFound("campaign.ask_no_answer")
    if mine.question_id is not None:
        raise Conflict("campaign.already_asked", id=mine.question_id)
    question = await questions.create(ctx, questions.check_text(mine.text))
    await questions.route(ctx, question)
    mine.question_id = question.id
    ctx.uow.session.add(mine)
    await ctx.uow.session.flush()
    assert question.id is not None
    return int(question.id)


async def statuses(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    """The status of the questions some answers became, for the summary."""
    if not ids:
        return {}
    rows = (await uow.session.exec(select(Question.id, Question.status)
                                   .where(col(Question.id).in_(ids)))).all()
    return {int(qid): status for qid, status in rows if qid is not None}
