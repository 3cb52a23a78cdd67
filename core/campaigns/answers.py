"""Answers to campaign prompts: record, edit, and keep anonymous answers anonymous.

A ``Response`` is unique per (round, prompt, respondent), so answering again edits. ``respondent`` is
the member id, or for an anonymous campaign an HMAC of the member id keyed by the campaign's random
salt (and the server's secret when configured): the member can still edit their answer and reminders
can still tell who has answered, but ``member_id`` stays empty and no report, export or log can name
them. Nothing here logs who answered, and an anonymous answer is stamped with its round's time rather
than the moment of the click, which could otherwise be matched against activity records.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from core.campaigns.models import Campaign, CampaignPrompt, Response, Round
from core.delivery.models import Delivery
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.runtime.db import UnitOfWork
from core.settings import Settings

#: The longest text answer: Slack's ``plain_text_input`` takes a ``max_length`` of at most 3,000
#: (a modal asking for more is refused, and the answer lost), so no platform's form may ask for more.
MAX_TEXT = 3000
SCALE = range(1, 6)


def respondent_key(campaign: Campaign, member_id: int, secret: str = "") -> str:
    """Who answered, as stored: the member id, or a keyed hash for anonymous campaigns."""
    if not campaign.anonymous:
        return str(member_id)
    key = (campaign.anonymity_salt + secret).encode()
    return "anon:" + hmac.new(key, str(member_id).encode(), hashlib.sha256).hexdigest()


def server_secret(settings: Settings) -> str:
    """The optional server-wide secret mixed into anonymous hashes (kept out of the database)."""
    return settings.campaigns.anonymity_secret


def is_open(round_: Round, now: datetime) -> bool:
    return round_.closed_at is None and (round_.closes_at is None or round_.closes_at > now)


@dataclass(frozen=True)
class Target:
    """What an answer refers to, checked: the round, its campaign and the prompt."""

    round: Round
    campaign: Campaign
    prompt: CampaignPrompt


async def target(uow: UnitOfWork, round_id: int, prompt_id: int) -> Target:
    round_ = await uow.session.get(Round, round_id)
    prompt = await uow.session.get(CampaignPrompt, prompt_id)
    if round_ is None or prompt is None or prompt.campaign_id != round_.campaign_id:
        raise NotFound("campaign.answer_unknown")
    campaign = await uow.session.get(Campaign, round_.campaign_id)
    assert campaign is not None
    return Target(round_, campaign, prompt)


async def was_sent_to(uow: UnitOfWork, round_id: int, member_id: int) -> bool:
    statement = select(Delivery.id).where(Delivery.round_id == round_id, Delivery.purpose == "prompt",
                                          Delivery.target_kind == "member",
                                          Delivery.target_id == str(member_id))
    return (await uow.session.exec(statement)).first() is not None


def _value(prompt: CampaignPrompt, value: str) -> dict[str, Any]:
    """The columns an answer fills, checked against the prompt's kind."""
    value = value.strip()
    if prompt.kind == "choice":
        if not value.isdigit() or int(value) >= len(prompt.options):
            raise InvalidInput("campaign.bad_answer")
        return {"choice": prompt.options[int(value)], "scale": None, "text": None}
    if prompt.kind == "scale":
        if not value.isdigit() or int(value) not in SCALE:
            raise InvalidInput("campaign.bad_answer")
        return {"scale": int(value), "choice": None, "text": None}
    if not value:
        raise InvalidInput("campaign.empty_answer")
    if len(value) > MAX_TEXT:
        raise InvalidInput("campaign.answer_too_long", length=len(value), limit=MAX_TEXT)
    return {"text": value, "choice": None, "scale": None}


async def _existing(uow: UnitOfWork, round_id: int, prompt_id: int, respondent: str) -> Response | None:
    statement = select(Response).where(Response.round_id == round_id, Response.prompt_id == prompt_id,
                                       Response.respondent == respondent)
    return (await uow.session.exec(statement)).first()


async def answer(uow: UnitOfWork, found: Target, member_id: int, value: str, now: datetime,
                 secret: str = "") -> tuple[Response, bool]:
    """Record or edit an answer; returns it and whether it replaced an earlier one.

    Refused politely when the round is closed, and in a direct campaign from someone it was not sent to.
    """
    if not is_open(found.round, now):
        raise Conflict("campaign.round_closed", title=found.campaign.title)
    assert found.round.id is not None and found.prompt.id is not None
    if found.campaign.audience.get("mode") != "channel" and not await was_sent_to(
            uow, found.round.id, member_id):
        raise Forbidden("campaign.not_recipient")
    columns = _value(found.prompt, value)
    respondent = respondent_key(found.campaign, member_id, secret)
    if found.campaign.anonymous:  # no exact time either: it could be matched against activity logs
        now = found.round.due_at
    row = await _existing(uow, found.round.id, found.prompt.id, respondent)
    edited = row is not None
    if row is None:
        row = Response(round_id=found.round.id, prompt_id=found.prompt.id, respondent=respondent,
                       member_id=None if found.campaign.anonymous else member_id, answered_at=now)
        try:
            async with uow.session.begin_nested():
                uow.session.add(row)
        except IntegrityError:  # the same answer clicked twice at once: edit the one that won
            row = await _existing(uow, found.round.id, found.prompt.id, respondent)
            assert row is not None
            edited = True
    for name, column in columns.items():
        setattr(row, name, column)
    row.answered_at = now
    uow.session.add(row)
    await uow.session.flush()
    return row, edited


async def current(uow: UnitOfWork, found: Target, member_id: int, secret: str = "") -> Response | None:
    """The member's own answer to a prompt, to prefill the form when they edit it."""
    assert found.round.id is not None and found.prompt.id is not None
    respondent = respondent_key(found.campaign, member_id, secret)
    return await _existing(uow, found.round.id, found.prompt.id, respondent)


async def answered(uow: UnitOfWork, round_id: int) -> set[str]:
    """The respondents who answered at least one prompt of a round."""
    statement = select(Response.respondent).where(Response.round_id == round_id).distinct()
    return set((await uow.session.exec(statement)).all())


async def responses_of(uow: UnitOfWork, round_id: int) -> list[Response]:
    statement = select(Response).where(Response.round_id == round_id).order_by(col(Response.answered_at))
    return list((await uow.session.exec(statement)).all())
