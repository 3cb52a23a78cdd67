"""A member's own say over one campaign: skip this round, be reminded later, or leave it.

- ``skip``: this round's prompt is set aside — its delivery marked ``skipped`` (pending or sent), so
  it is neither reminded nor counted among those the prompt reached (summaries and reports count
  ``sent`` prompts: a skipped round is not a missing answer). The member may still answer it: their
  prompt then counts as sent again (``took_part``).
- ``snooze``: one reminder ``reminder.later`` due in ``hours`` (1 to 168, and before the round
  closes); the regular reminders wait until then. Snoozing again moves that reminder.
- ``leave``: no more prompts of this campaign (rounds to come leave the member out, this round's
  prompt and reminders are set aside); ``campaign optout`` is the same for every campaign.

Each is one row per (campaign, member) in ``campaign_preference``; ``core.campaigns.rounds`` reads it
when it materialises a round and when it reminds.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from core.campaigns.models import Campaign, Round
from core.campaigns.preference_models import CampaignPreference
from core.delivery.models import Delivery
from core.delivery.outbox import Source, Target, enqueue
from core.errors import Conflict, InvalidInput
from core.runtime.db import UnitOfWork

LATER = "reminder.later"
MIN_HOURS, MAX_HOURS = 1, 168


async def _row(uow: UnitOfWork, campaign_id: int, member_id: int) -> CampaignPreference:
    found = await uow.session.get(CampaignPreference, (campaign_id, member_id))
    return found or CampaignPreference(campaign_id=campaign_id, member_id=member_id)


async def current_round(uow: UnitOfWork, campaign: Campaign, member_id: int, now: datetime) -> Round:
    """The open round whose prompt is for the member (sent or still to go); ``Conflict`` if none."""
    statement = (select(Round).join(Delivery, col(Delivery.round_id) == col(Round.id))
                 .where(col(Round.campaign_id) == campaign.id, col(Round.closed_at).is_(None),
                        col(Round.closes_at) > now, col(Delivery.purpose) == "prompt",
                        col(Delivery.target_kind) == "member", col(Delivery.target_id) == str(member_id))
                 .order_by(col(Round.index).desc()).limit(1))
    found = (await uow.session.exec(statement)).first()
    if found is None:
        raise Conflict("campaign.no_open_round", id=campaign.id, title=campaign.title)
    return found


async def _set_aside(uow: UnitOfWork, round_ids: list[int], member_id: int, *, prompts: bool) -> None:
    """Mark the member's prompt (if ``prompts``) and reminders of these rounds ``skipped``; a row
    being sent at this moment is left to its dispatcher."""
    purposes = col(Delivery.purpose).startswith("reminder.")
    if prompts:
        purposes = purposes | (col(Delivery.purpose) == "prompt")
    statement = (update(Delivery).where(col(Delivery.round_id).in_(round_ids), purposes,
                                        col(Delivery.target_kind) == "member",
                                        col(Delivery.target_id) == str(member_id),
                                        col(Delivery.status).in_(("pending", "sent")))
                 .values(status="skipped").execution_options(synchronize_session=False))
    await uow.session.exec(statement)


async def skip(uow: UnitOfWork, campaign: Campaign, member_id: int, now: datetime) -> Round:
    """Set this round aside for the member; the round skipped."""
    assert campaign.id is not None
    round_ = await current_round(uow, campaign, member_id, now)
    assert round_.id is not None
    row = await _row(uow, campaign.id, member_id)
    row.skipped_round_id, row.snoozed_round_id, row.snoozed_until = round_.id, None, None
    uow.session.add(row)
    await _set_aside(uow, [round_.id], member_id, prompts=True)
    return round_


async def took_part(uow: UnitOfWork, round_id: int, member_id: int) -> None:
    """A member who skipped a round answers it after all: their prompt counts as sent again (else
    a round's participation could read "2 of 1"). One statement, matching nothing in the usual case."""
    statement = (update(Delivery).where(col(Delivery.round_id) == round_id, col(Delivery.purpose) == "prompt",
                                        col(Delivery.target_kind) == "member",
                                        col(Delivery.target_id) == str(member_id),
                                        col(Delivery.status) == "skipped", col(Delivery.sent_at).is_not(None))
                 .values(status="sent").execution_options(synchronize_session=False))
    await uow.session.exec(statement)


def hours_of(text: str) -> int:
    """``text`` as a number of hours in bounds; ``InvalidInput`` naming the bounds otherwise."""
    value = text.strip().lower().removesuffix("h").strip()
    if not value.isdigit() or not MIN_HOURS <= int(value) <= MAX_HOURS:
        raise InvalidInput("campaign.snooze_hours", value=text.strip(), least=MIN_HOURS, most=MAX_HOURS)
    return int(value)


async def snooze(uow: UnitOfWork, campaign: Campaign, member_id: int, hours: int, now: datetime) -> datetime:
    """A reminder in ``hours``, before the round closes; when it is due."""
    assert campaign.id is not None
    round_ = await current_round(uow, campaign, member_id, now)
    assert round_.id is not None
    until = now + timedelta(hours=hours)
    if round_.closes_at is not None and until >= round_.closes_at:
        left = max(math.ceil((round_.closes_at - now).total_seconds() / 3600) - 1, 0)
        raise InvalidInput("campaign.snooze_after_close", id=campaign.id, hours=hours, most=left)
    row = await _row(uow, campaign.id, member_id)
    row.snoozed_round_id, row.snoozed_until = round_.id, until
    if row.skipped_round_id == round_.id:
        row.skipped_round_id = None
    uow.session.add(row)
    await _remind_at(uow, round_.id, member_id, until)
    return until


async def _remind_at(uow: UnitOfWork, round_id: int, member_id: int, until: datetime) -> None:
    """The one ``reminder.later`` row of the member in this round, due at ``until``."""
    target = Target.member(member_id)
    if await enqueue(uow, Source("round", round_id), LATER, [target], until):
        return
    statement = select(Delivery).where(Delivery.round_id == round_id, Delivery.purpose == LATER,
                                       Delivery.target_kind == "member", Delivery.target_id == target.id)
    row = (await uow.session.exec(statement)).one()
    if row.status == "sending":
        raise Conflict("campaign.reminder_in_flight")
    row.status, row.next_attempt_at, row.attempts, row.last_error = "pending", until, 0, None
    row.message_ref, row.sent_at = {}, None
    uow.session.add(row)


async def leave(uow: UnitOfWork, campaign: Campaign, member_id: int, now: datetime) -> bool:
    """No more prompts of this campaign for the member; ``False`` if they had left already."""
    assert campaign.id is not None
    row = await _row(uow, campaign.id, member_id)
    if row.left_at is not None:
        return False
    row.left_at = now
    uow.session.add(row)
    open_ids = list((await uow.session.exec(select(Round.id).where(
        col(Round.campaign_id) == campaign.id, col(Round.closed_at).is_(None)))).all())
    if open_ids:
        await _set_aside(uow, [int(i) for i in open_ids if i is not None], member_id, prompts=True)
    return True


async def left(uow: UnitOfWork, campaign_id: int) -> set[int]:
    """The members who left the campaign."""
    return set((await uow.session.exec(select(CampaignPreference.member_id).where(
        col(CampaignPreference.campaign_id) == campaign_id,
        col(CampaignPreference.left_at).is_not(None)))).all())


async def quiet(uow: UnitOfWork, campaign_id: int, round_id: int, now: datetime) -> set[int]:
    """The members the regular reminders of this round leave alone: they left, skipped it, or
    snoozed it until later than ``now``."""
    rows = (await uow.session.exec(select(CampaignPreference).where(
        col(CampaignPreference.campaign_id) == campaign_id))).all()
    return {row.member_id for row in rows
            if row.left_at is not None or row.skipped_round_id == round_id
            or (row.snoozed_round_id == round_id and row.snoozed_until is not None
                and row.snoozed_until > now)}
