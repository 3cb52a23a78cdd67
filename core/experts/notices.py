"""The messages a question sends to people, written to the outbox with the change that causes them.

A routing decision, an answer or a close writes its messages as outbox rows in its own transaction;
the command sends them right after its commit (``core.delivery.immediate.send_now``) and the
dispatcher retries whatever failed, so an answer reaches its asker even if their platform was down
when it was given. Each message is built at send time, in its recipient's language, by a renderer of
this module:

- ``question.card`` (source ``route:<id>``): the Answer / Pass card of the expert or referent holding
  the question — not sent once their turn is over (passed, timed out, answered, closed);
- ``question.card_update`` (source ``route:<id>``): that card replaced when the turn ends ("answered",
  "passed"…), through the reference the card's own delivery kept; nothing if the card never went;
- ``question.answer`` (source ``question:<id>``): the answer, for the asker, with Helpful / Not helpful;
- ``question.notice`` (source ``question:<id>/<hop>``): what the asker is told when the question is
  escalated or expires — a catalog key and its values, worded at send time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from core.dates import format_moment
from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing, Source, Target, enqueue
from core.directory.members import address_of
from core.directory.models import Identity, Member
from core.errors import ParvisFailure
from core.experts.models import Answer, Question, QuestionRoute
from core.i18n import Translator
from core.messages import Button, Reply
from core.ports import MemberAddress, Progress
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import model_columns, read_rows, untracked
from core.settings import ExpertSettings, Settings
from core.text import shorten

CARD, CARD_UPDATE = "question.card", "question.card_update"
ANSWER, NOTICE = "question.answer", "question.notice"
#: how the assignee was reached, for the wording of their card
EXPERT, REFERENT, NEXT_REFERENT, FALLBACK = "expert", "referent", "next_referent", "fallback"
HOLDING = ("routed", "escalated")


class CardInFlight(ParvisFailure):
    """The card a ``question.card_update`` replaces is being sent right now: render the update later."""


# -- writing --------------------------------------------------------------------------------------------

async def enqueue_card(uow: UnitOfWork, route: QuestionRoute, stage: str, now: datetime) -> list[int]:
    """The card of the expert or referent ``route`` hands the question to."""
    if route.expert_id is None:
        return []
    return await enqueue(uow, Source("route", str(route.id)), CARD, [Target.member(route.expert_id)], now,
                             payload={"stage": stage})


async def enqueue_card_update(uow: UnitOfWork, route: QuestionRoute, key: str, values: Mapping[str, Any],
                              now: datetime) -> list[int]:
    """``route``'s card replaced by the text of catalog ``key`` (its turn is over)."""
    if route.expert_id is None:
        return []
    holder, payload = [Target.member(route.expert_id)], {"key": key, "values": dict(values)}
    return await enqueue(uow, Source("route", str(route.id)), CARD_UPDATE, holder, now, payload=payload)


async def enqueue_answer(uow: UnitOfWork, question: Question, now: datetime) -> list[int]:
    """The answer just recorded, for the asker."""
    if question.asker_id is None:
        return []
    asker = [Target.member(question.asker_id)]
    return await enqueue(uow, Source("question", str(question.id)), ANSWER, asker, now,
                             payload={"question": question.id})


async def enqueue_notice(uow: UnitOfWork, source: Source, member_id: int | None, key: str,
                         values: Mapping[str, Any], now: datetime) -> list[int]:
    """A plain message for ``member_id``: catalog ``key`` with ``values``, worded at send time."""
    if member_id is None:
        return []
    return await enqueue(uow, source, NOTICE, [Target.member(member_id)], now,
                             payload={"key": key, "values": dict(values)})


# -- rendering ------------------------------------------------------------------------------------------

def duration(t: Translator, minutes: int) -> str:
    if minutes % 60 == 0:
        return t("question.hours", hours=minutes // 60)
    return t("question.minutes", minutes=minutes)


def card(t: Translator, question: Question, asker: str, stage: str, due: datetime, zone: str,
         policy: ExpertSettings) -> Reply:
    """The direct message an expert or a referent receives: the question, its deadline, Answer / Pass."""
    assert question.id is not None
    skills = ", ".join(question.skills) or t("question.no_skill")
    text = t("question.card", id=question.id, asker=asker, skills=skills, text=question.text)
    if stage == REFERENT:
        text += "\n" + (t.plural("question.card_escalated", question.hops) if question.hops
                        else t("question.referent.card_direct"))
    elif stage == NEXT_REFERENT:
        text += "\n" + t("question.referent.card_next")
    elif stage == FALLBACK:
        text += "\n" + t("question.handoff.card_fallback")
    delay = duration(t, policy.answer_timeout_minutes)
    if policy.working_hours is None:
        text += "\n" + t("question.card_deadline", delay=delay)
    else:
        when = format_moment(t.locale, due, zone)
        text += "\n" + t("question.worktime.card_deadline", delay=delay, when=when, zone=zone)
    buttons = (Button(t("question.button_answer"), "question.answer", str(question.id), style="primary"),
               Button(t("question.button_pass"), "question.pass", str(question.id)))
    return Reply(text=text, title=t("question.card_title", id=question.id), buttons=buttons, locale=t.locale)


async def _recipient(uow: UnitOfWork, delivery: Delivery) -> tuple[Member, MemberAddress] | None:
    """The member a row is for and where to reach them, unless erased or never seen on a platform."""
    member = await uow.session.get(Member, int(delivery.target_id))
    if member is None or member.id is None or member.erased_at is not None:
        return None
    address = await address_of(uow, member.id)
    return (member, address) if address is not None else None


async def _name(uow: UnitOfWork, member_id: int | None) -> str:
    member = await uow.session.get(Member, member_id) if member_id is not None else None
    return member.display_name if member is not None else "?"


@cache
def _card_statement() -> Any:
    """Everything a card needs, in one read: the turn, its question, the recipient's language, time
    zone and latest identity (none if erased or never seen on a platform: no row), the asker's name.

    Why one statement: a question's card is sent right after the ``ask`` that routed it, so these
    reads are on the path of every question; read one by one through the session they were five
    round trips (and on SQLite five hand-offs to the driver thread) and as many ORM objects."""
    recipient, asker, newest = aliased(Member), aliased(Member), aliased(Identity)
    latest = (select(newest.id).where(col(newest.member_id) == col(recipient.id))
              .order_by(col(newest.created_at).desc(), col(newest.id).desc()).limit(1).scalar_subquery())
    return (sa_select(col(QuestionRoute.outcome), col(QuestionRoute.expert_id), col(recipient.locale),
                      col(recipient.timezone), col(Identity.platform), col(Identity.tenant),
                      col(Identity.user_id), col(asker.display_name), *model_columns(Question))
            .select_from(QuestionRoute)
            .join(Question, col(Question.id) == col(QuestionRoute.question_id))
            .join(recipient, col(recipient.id) == bindparam("member", type_=Integer()))
            .join(Identity, col(Identity.id) == latest)
            .outerjoin(asker, col(asker.id) == col(Question.asker_id))
            .where(col(QuestionRoute.id) == bindparam("route", type_=Integer()),
                   col(recipient.erased_at).is_(None)))


async def render_card(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """The card, while its turn is still on: a card whose turn ended before it could go is not sent
    (nor one for a member erased or never seen on a platform)."""
    rows = await read_rows(uow, _card_statement(), {"route": int(delivery.source.partition(":")[2]),
                                                    "member": int(delivery.target_id)})
    if not rows:
        return None
    outcome, holder, locale, zone, platform, tenant, user_id, asker, *columns = rows[0]
    question = untracked(Question, columns)
    if (outcome is not None or question.status not in HOLDING or question.assignee_id != holder
            or question.deadline_at is None):
        return None
    reply = card(Translator(locale), question, asker if asker is not None else "?",
                 str(delivery.payload.get("stage", EXPERT)), question.deadline_at, zone, settings.experts)
    return Outgoing(MemberAddress(platform, tenant, user_id), reply.localised(locale))


async def render_card_update(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """The card replaced, on the platform it was sent on; nothing if it never went."""
    statement = select(Delivery).where(Delivery.source == delivery.source, Delivery.purpose == CARD,
                                       Delivery.target_kind == "member",
                                       Delivery.target_id == delivery.target_id)
    sent = (await uow.session.exec(statement)).first()
    if sent is not None and sent.status == "sending":
        raise CardInFlight(f"the card of {delivery.source} is being sent")
    first = Progress.from_ref(sent.message_ref).first if sent is not None and sent.status == "sent" else None
    member = await uow.session.get(Member, int(delivery.target_id))
    if first is None or member is None or member.erased_at is not None:
        return None
    identity = (await uow.session.exec(select(Identity).where(
        Identity.member_id == member.id, Identity.platform == first.platform)
        .order_by(col(Identity.id).desc()))).first()
    if identity is None:
        return None
    reply = Reply(text=Translator(member.locale)(str(delivery.payload["key"]), **delivery.payload["values"]))
    address = MemberAddress(identity.platform, identity.tenant, identity.user_id)
    return Outgoing(address, reply.localised(member.locale), replace=first)


async def render_answer(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """The question's answer for its asker, with Helpful / Not helpful."""
    question = await uow.session.get(Question, int(delivery.payload["question"]))
    answer = (await uow.session.exec(select(Answer).where(Answer.question_id == delivery.payload["question"])
                                     .order_by(col(Answer.id).desc()))).first() if question else None
    found = await _recipient(uow, delivery)
    if question is None or answer is None or found is None:
        return None
    member, address = found
    t = Translator(member.locale)
    reply = Reply(
        title=t("question.answer_title", id=question.id),
        text=t("question.answer_received", id=question.id, expert=await _name(uow, answer.author_id),
               question=shorten(question.text, 300), answer=answer.text),
        buttons=(Button(t("question.button_helpful"), "question.helpful", f"{question.id}:yes", "primary"),
                 Button(t("question.button_not_helpful"), "question.helpful", f"{question.id}:no")))
    return Outgoing(address, reply.localised(member.locale))


async def render_notice(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """A plain message: its catalog key and values, in the recipient's language now."""
    found = await _recipient(uow, delivery)
    if found is None:
        return None
    member, address = found
    text = Translator(member.locale)(str(delivery.payload["key"]), **delivery.payload["values"])
    return Outgoing(address, Reply(text=text).localised(member.locale))
