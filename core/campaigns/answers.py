"""Answers to campaign prompts: record, edit, and keep anonymous answers anonymous.

A ``Response`` is unique per (round, prompt, respondent), so answering again edits. ``respondent`` is
the member id, or for an anonymous campaign a keyed hash, ``respondent_keys``:
HMAC-SHA256(server secret, campaign salt : round : member id). The server secret
(``[security] secret_key``, ``core.settings.SecuritySettings``) never lives in the database.

What Parvis may know, and what nobody may learn (the threat model; README "Security" says the same):

- Parvis knows *that* a member took part in a round: with the secret it recomputes the member's key,
  which is how the member edits their own answer and how reminders skip those who answered. This is
  the one link, and it needs the secret: an operator holding both the database and the secret can
  make it, and nobody else.
- Nobody may learn *what* a given person answered: not an animator or an admin (reports, exports and
  summaries carry no name and withhold every figure of a prompt with fewer than ``[campaigns]
  anonymity_min`` answers, ``core.campaigns.summaries``), and not someone reading the database
  alone. For that reader an anonymous answer holds no member id, a hash they cannot recompute without
  the secret (a different one in every round, so rounds cannot be chained either), the round's time
  instead of the click's, and a random row id; no activity event records the click
  (``ctx.record_activity``), nothing here logs. When the round closes, its answers are written again in
  random order (``reshuffle``) and its reminder rows, which said who had not answered yet, are deleted
  (``core.campaigns.rounds.close_round``). While a round is open, someone who can watch the live
  database (or read PostgreSQL's row versions) can still see answers arrive next to other traces.

Rotating the secret: the secrets used before are kept in ``[security] previous_secret_keys``; a
member's answers stored under one of them are recognised (for editing, prefilling and reminders) and
moved to the current key when the member answers again. Once every round open at the rotation has
closed, the previous secrets may be dropped: closed rounds need no key.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.campaigns.models import Campaign, CampaignPrompt, Response, Round
from core.campaigns.preferences import took_part
from core.delivery.models import Delivery
from core.errors import ConfigError, Conflict, InvalidInput, NotFound
from core.runtime.db import UnitOfWork
from core.settings import SecuritySettings

#: The longest text answer: Slack's ``plain_text_input`` takes a ``max_length`` of at most 3,000
#: (a modal asking for more is refused, and the answer lost), so no platform's form may ask for more.
MAX_TEXT = 3000
SCALE = range(1, 6)
ANONYMOUS = "anon:"
#: what answering again changes in a stored answer
EDITED = ("text", "choice", "scale", "answered_at")


def respondent_keys(campaign: Campaign, round_id: int, member_id: int,
                    security: SecuritySettings) -> tuple[str, ...]:
    """How a member's answers to one round are stored: their id, or for an anonymous campaign the keyed
    hash under the current secret, then under each previous one (to find answers from before a
    rotation). Raises ``ConfigError`` for an anonymous campaign when the process has no secret."""
    if not campaign.anonymous:
        return (str(member_id),)
    if not security.secret_key:
        raise ConfigError("no server secret ([security] secret_key): anonymous answers cannot be keyed")
    message = f"{campaign.anonymity_salt}:{round_id}:{member_id}".encode()
    return tuple(ANONYMOUS + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
                 for secret in (security.secret_key, *security.previous_secret_keys))


def has_answered(done: set[str], campaign: Campaign, round_id: int, member_id: int,
                 security: SecuritySettings) -> bool:
    """Whether the member is among ``done`` (``answered``), under any of the secrets."""
    return not done.isdisjoint(respondent_keys(campaign, round_id, member_id, security))


def new_response_id() -> int:
    """A random row id: the order rows were written in must not be the order of their ids."""
    return secrets.randbelow(2**62) + 1


def is_open(round_: Round, now: datetime) -> bool:
    return round_.closed_at is None and (round_.closes_at is None or round_.closes_at > now)


@dataclass(frozen=True)
class Target:
    """What an answer refers to, checked: the round, its campaign and the prompt; read for a member
    (``target(…, member_id)``), also whether the round's prompt was sent to them and whether they
    skipped it (``None``: not read)."""

    round: Round
    campaign: Campaign
    prompt: CampaignPrompt
    sent: bool | None = None
    skipped: bool | None = None


@lru_cache(maxsize=1)
def _target_statement() -> Any:
    """A round, one of its campaign's prompts and the campaign: one statement (every answer asks)."""
    return (select(Round, CampaignPrompt, Campaign)
            .join(CampaignPrompt, col(CampaignPrompt.campaign_id) == col(Round.campaign_id))
            .join(Campaign, col(Campaign.id) == col(Round.campaign_id))
            .where(col(Round.id) == bindparam("round", type_=Integer()),
                   col(CampaignPrompt.id) == bindparam("prompt", type_=Integer())))


@lru_cache(maxsize=1)
def _member_target_statement() -> Any:
    """The same, with the member's prompt delivery of the round if any (its status and whether it
    went out): what a click needs to know before it stores, in one round trip."""
    delivery = and_(col(Delivery.round_id) == col(Round.id), col(Delivery.purpose) == "prompt",
                    col(Delivery.target_kind) == "member",
                    col(Delivery.target_id) == bindparam("member", type_=String()))
    return (select(Round, CampaignPrompt, Campaign, col(Delivery.status), col(Delivery.sent_at))  # type: ignore[call-overload]
            .join(CampaignPrompt, col(CampaignPrompt.campaign_id) == col(Round.campaign_id))
            .join(Campaign, col(Campaign.id) == col(Round.campaign_id))
            .outerjoin(Delivery, delivery)
            .where(col(Round.id) == bindparam("round", type_=Integer()),
                   col(CampaignPrompt.id) == bindparam("prompt", type_=Integer())))


async def target(uow: UnitOfWork, round_id: int, prompt_id: int, member_id: int | None = None) -> Target:
    """The round and prompt an answer names; ``NotFound`` unless the prompt is of the round's campaign.
    With ``member_id``, also whether the prompt was sent to that member and whether they skipped it
    (``Target.sent``, ``Target.skipped``), in the same statement."""
    params: dict[str, Any] = {"round": round_id, "prompt": prompt_id}
    if member_id is None:
        found = (await uow.session.exec(_target_statement(), params=params)).first()
        if found is None:
            raise NotFound("campaign.answer_unknown")
        round_, prompt, campaign = found
        return Target(round_, campaign, prompt)
    params["member"] = str(member_id)
    rows = (await uow.session.exec(_member_target_statement(), params=params)).all()
    if not rows:
        raise NotFound("campaign.answer_unknown")
    round_, prompt, campaign = rows[0][:3]
    sent = any(row[3] is not None for row in rows)
    skipped = any(row[3] == "skipped" and row[4] is not None for row in rows)
    return Target(round_, campaign, prompt, sent=sent, skipped=skipped)


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


async def _rekey(uow: UnitOfWork, round_id: int, keys: tuple[str, ...]) -> None:
    """Move a member's answers to this round stored under a previous secret to the current one."""
    statement = select(Response).where(Response.round_id == round_id, col(Response.respondent).in_(keys[1:]))
    for row in (await uow.session.exec(statement)).all():
        if await _existing(uow, round_id, row.prompt_id, keys[0]) is not None:
            await uow.session.delete(row)
        else:
            row.respondent = keys[0]
            uow.session.add(row)
    await uow.session.flush()


async def answer(uow: UnitOfWork, found: Target, member_id: int, value: str, now: datetime,
                 security: SecuritySettings) -> tuple[Response, bool]:
    """Record or edit an answer; returns it and whether it replaced an earlier one.

    Refused politely when the round is closed. Whether the member may answer at all (the prompt
    reached them) the caller has asked the permission table (``core.campaigns.ownership.answering``).
    """
    if not is_open(found.round, now):
        raise Conflict("campaign.round_closed", title=found.campaign.title)
    assert found.round.id is not None and found.prompt.id is not None
    columns = _value(found.prompt, value)
    keys = respondent_keys(found.campaign, found.round.id, member_id, security)
    respondent = keys[0]
    if len(keys) > 1:
        await _rekey(uow, found.round.id, keys)
    if found.campaign.anonymous:  # no exact time either: it could be matched against activity logs
        now = found.round.due_at
    if found.skipped is not False:  # ``campaign skip`` then an answer after all (or not read: ask)
        await took_part(uow, found.round.id, member_id)
    return await _insert_or_edit(uow, Response(
        id=new_response_id(), round_id=found.round.id, prompt_id=found.prompt.id, respondent=respondent,
        member_id=None if found.campaign.anonymous else member_id, answered_at=now, **columns))


@lru_cache(maxsize=2)
def _upsert_statement(dialect_name: str) -> Any:
    """``INSERT … ON CONFLICT (round, prompt, respondent) DO UPDATE`` of every column, bound by name:
    built and compiled once per dialect rather than for every click."""
    table = Response.__table__  # type: ignore[attr-defined]
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(Response).values({column.name: bindparam(column.name, type_=column.type)
                                                 for column in table.columns})
    return (statement.on_conflict_do_update(index_elements=["round_id", "prompt_id", "respondent"],
                                            set_={name: statement.excluded[name] for name in EDITED})
            .returning(col(Response.id)))


async def _insert_or_edit(uow: UnitOfWork, row: Response) -> tuple[Response, bool]:
    """Insert an answer, or edit the member's earlier one to the same prompt, in one statement
    (``ON CONFLICT … DO UPDATE``, on PostgreSQL and SQLite alike: nothing is read first, and two
    clicks at once store one row). The earlier row keeps its id; so the id returned tells which
    happened. Returns the row as stored and whether it edited an earlier one."""
    values = row.model_dump()
    statement = _upsert_statement(uow.dialect)
    stored = (await uow.session.exec(statement, params=values)).scalar_one()
    return Response(**(values | {"id": stored})), stored != values["id"]


async def current(uow: UnitOfWork, found: Target, member_id: int,
                  security: SecuritySettings) -> Response | None:
    """The member's own answer to a prompt, to prefill the form when they edit it."""
    assert found.round.id is not None and found.prompt.id is not None
    keys = respondent_keys(found.campaign, found.round.id, member_id, security)
    statement = select(Response).where(Response.round_id == found.round.id,
                                       Response.prompt_id == found.prompt.id,
                                       col(Response.respondent).in_(keys))
    rows = (await uow.session.exec(statement)).all()
    return min(rows, key=lambda row: keys.index(row.respondent), default=None)


async def answered_prompts(uow: UnitOfWork, round_: Round, campaign: Campaign, member_id: int,
                           security: SecuritySettings) -> dict[int, Response]:
    """The member's own answers to a round, by prompt id (under any secret, for anonymous ones)."""
    assert round_.id is not None
    keys = respondent_keys(campaign, round_.id, member_id, security)
    statement = select(Response).where(Response.round_id == round_.id, col(Response.respondent).in_(keys))
    return {row.prompt_id: row for row in (await uow.session.exec(statement)).all()}


async def answered(uow: UnitOfWork, round_id: int) -> set[str]:
    """The respondents who answered at least one prompt of a round."""
    statement = select(Response.respondent).where(Response.round_id == round_id).distinct()
    return set((await uow.session.exec(statement)).all())


async def responses_of(uow: UnitOfWork, round_id: int) -> list[Response]:
    """A round's answers by time (an anonymous round's all share one), then by their random ids."""
    statement = (select(Response).where(Response.round_id == round_id)
                 .order_by(col(Response.answered_at), col(Response.id)))
    return list((await uow.session.exec(statement)).all())


async def reshuffle(uow: UnitOfWork, round_id: int) -> int:
    """Write a closed anonymous round's answers again, in random order under new random ids.

    Whatever the storage kept of the order answers arrived in (PostgreSQL's row positions and
    versions, the order of a dump) then says nothing: the rows are as if written at the close, all at
    once. Returns how many answers were rewritten.
    """
    rows = list((await uow.session.exec(select(Response).where(Response.round_id == round_id))).all())
    if not rows:
        return 0
    copies = [Response(**row.model_dump(exclude={"id"}), id=new_response_id()) for row in rows]
    for row in rows:
        await uow.session.delete(row)
    await uow.session.flush()
    random.SystemRandom().shuffle(copies)
    uow.session.add_all(copies)
    await uow.session.flush()
    return len(copies)
