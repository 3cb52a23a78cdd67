"""Rounds: materialising them into the outbox, reminding those who have not answered, closing them.

Three leader-only periodic jobs (``core/campaigns/wiring.py`` adds them), each safe to repeat and callable
directly in tests:

- ``materialise_due`` creates every round whose time has come (unique (campaign, index): never two)
  and enqueues one ``prompt`` delivery per recipient, due at *their* local time when the campaign
  follows each recipient's clock. A round that fell due while everything was down is created at the
  next run if it is still open; one that would already be closed is not sent late.
- ``send_reminders`` enqueues ``reminder.1``/``reminder.2`` deliveries for members whose prompt was
  sent ``reminder_after`` ago (twice that for the second) and who have not answered, skipped the
  round, snoozed it or left the campaign (``core.campaigns.preferences``).
- ``close_due`` closes rounds at ``closes_at`` and enqueues the summary for the animator and, if the
  campaign asks, the groups' channels; a campaign whose schedule is over then closes too. Closing an
  anonymous round also rewrites its answers in random order and deletes its reminder rows, which said
  who had not answered yet (``core.campaigns.answers`` explains why).

Who is actually messaged is decided again at send time by the renderers (``core.campaigns.messages``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.activity import audit
from core.campaigns.answers import answered, has_answered, reshuffle
from core.campaigns.calendars import country_of, is_holiday
from core.campaigns.lifecycle import linked_channels, reachable_members, schedule_of
from core.campaigns.models import Campaign, Round
from core.campaigns.preferences import left, quiet
from core.campaigns.schedules import earliest, instant, latest, occurrences, occurrences_from
from core.delivery.models import Delivery
from core.delivery.outbox import Source, Target, enqueue
from core.directory.models import Member
from core.runtime.db import UnitOfWork
from core.settings import SecuritySettings

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

ACTIVE = ("scheduled", "running")
#: occurrences examined per campaign and run: more than three years of a daily campaign
MAX_SCAN = 1200


def channel_key(platform: str, tenant: str, channel: str) -> str:
    return f"x:{platform}|{tenant}|{channel}"


async def channel_targets(uow: UnitOfWork, campaign: Campaign) -> list[Target]:
    """The groups' linked channels and the campaign's explicit channels, each place once.

    Why once: a channel linked to two of the audience's groups, or linked and also typed as the
    campaign's channel, has a row per link — a target per row would post each round there as many
    times. The first way in is kept (a link first: its row names the group)."""
    targets: dict[tuple[str, str, str], Target] = {}
    for row in await linked_channels(uow, campaign.audience.get("groups", [])):
        targets.setdefault((row.platform, row.tenant, row.channel_id), Target.channel(f"gc:{row.id}"))
    for c in campaign.audience.get("channels", []):
        place = (c["platform"], c["tenant"], c["channel"])
        targets.setdefault(place, Target.channel(channel_key(*place)))
    return list(targets.values())


async def _creator_zone(uow: UnitOfWork, campaign: Campaign) -> str:
    creator = await uow.session.get(Member, campaign.created_by) if campaign.created_by else None
    return creator.timezone if creator is not None else "UTC"


async def recipients(uow: UnitOfWork, campaign: Campaign, wall: datetime) -> dict[Target, datetime]:
    """Each target of a round and when it is due; members on a public holiday in their own country
    (from their time zone, else the campaign's) are left out."""
    if campaign.audience.get("mode") == "channel":
        zone = campaign.timezone or await _creator_zone(uow, campaign)
        if campaign.skip_holidays and is_holiday(wall.date(), country_of(zone)):
            return {}
        return dict.fromkeys(await channel_targets(uow, campaign), instant(wall, zone))
    due: dict[Target, datetime] = {}
    gone = await left(uow, campaign.id) if campaign.id is not None else set()
    for member in await reachable_members(uow, campaign.audience.get("groups", [])):
        if member.id in gone:  # ``campaign leave``
            continue
        zone = campaign.timezone or member.timezone
        country = country_of(member.timezone) or country_of(campaign.timezone)  # where they live
        if campaign.skip_holidays and is_holiday(wall.date(), country):
            continue
        assert member.id is not None
        due[Target.member(member.id)] = instant(wall, zone)
    return due


async def _insert_round(uow: UnitOfWork, values: dict[str, object]) -> int | None:
    """Insert a round unless (campaign, index) exists: the id, or ``None`` if another run made it."""
    insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    statement = (insert(Round).values(**values)
                 .on_conflict_do_nothing(index_elements=["campaign_id", "index"]).returning(col(Round.id)))
    return (await uow.session.exec(statement)).scalar_one_or_none()


async def create_round(uow: UnitOfWork, campaign: Campaign, index: int, wall: datetime) -> int | None:
    """One round and its prompt deliveries, in the caller's transaction."""
    due = await recipients(uow, campaign, wall)
    zone = campaign.timezone or None
    first_due = earliest(wall, zone) if zone is None else instant(wall, zone)
    last_due = max(due.values(), default=first_due)
    closes_at = last_due + timedelta(minutes=campaign.close_after_minutes)
    round_id = await _insert_round(uow, {"campaign_id": campaign.id, "index": index, "due_at": first_due,
                                         "wall": f"{wall:%Y-%m-%dT%H:%M}", "closes_at": closes_at})
    if round_id is not None:
        await enqueue(uow, Source("round", round_id), "prompt", list(due), due)
    return round_id


async def last_round(uow: UnitOfWork, campaign_id: int) -> Round | None:
    statement = select(Round).where(Round.campaign_id == campaign_id).order_by(col(Round.index).desc())
    return (await uow.session.exec(statement.limit(1))).first()


def upcoming(campaign: Campaign, last: Round | None) -> Iterator[tuple[int, datetime]]:
    """The campaign's occurrences from its last round on (or from its start)."""
    schedule = schedule_of(campaign)
    if last is None or not last.wall:
        return occurrences(schedule)
    return occurrences_from(schedule, last.index, datetime.fromisoformat(last.wall))


async def materialise_campaign(uow: UnitOfWork, campaign: Campaign, now: datetime) -> int:
    """Create the rounds of one campaign that are due and not yet created; returns how many."""
    assert campaign.id is not None
    latest_round = await last_round(uow, campaign.id)
    last, zone, created = latest_round.index if latest_round else 0, campaign.timezone or None, 0
    close_after = timedelta(minutes=campaign.close_after_minutes)
    for scanned, (index, wall) in enumerate(upcoming(campaign, latest_round)):
        if earliest(wall, zone) > now or scanned >= MAX_SCAN:
            break
        if index <= last or latest(wall, zone) + close_after <= now:
            continue
        if await create_round(uow, campaign, index, wall) is not None:
            created += 1
    if created and campaign.status == "scheduled":
        campaign.status = "running"
        uow.session.add(campaign)
    return created


def next_wall(campaign: Campaign, last: Round | None, now: datetime) -> datetime | None:
    """The wall-clock time of the next round still to come, if any (within the scan limit)."""
    zone = campaign.timezone or None
    for scanned, (_index, wall) in enumerate(upcoming(campaign, last)):
        if earliest(wall, zone) > now:
            return wall
        if scanned >= MAX_SCAN:
            return None
    return None


def schedule_over(campaign: Campaign, last: Round | None, now: datetime) -> bool:
    """Whether no round of the campaign remains to come (a schedule too long to scan is not over).

    An occurrence already due but whose round is not created yet still counts while it could be
    open: otherwise the close job, racing the rounds job, closed a campaign before its last round was
    materialised and every prompt of that round was skipped.
    """
    zone = campaign.timezone or None
    still_open = timedelta(minutes=campaign.close_after_minutes)
    for scanned, (_index, wall) in enumerate(upcoming(campaign, last)):
        if earliest(wall, zone) + still_open > now or scanned >= MAX_SCAN:
            return False
    return True


async def _active_campaigns(uow: UnitOfWork) -> list[Campaign]:
    statement = select(Campaign).where(col(Campaign.status).in_(ACTIVE)).order_by(col(Campaign.id))
    return list((await uow.session.exec(statement)).all())


async def materialise_due(services: Services) -> int:
    """Create due rounds of every scheduled or running campaign, one transaction per campaign."""
    now, created = services.clock.now(), 0
    async with services.db.uow() as uow:
        ids = [campaign.id for campaign in await _active_campaigns(uow)]
    for campaign_id in ids:
        try:
            async with services.db.uow() as uow:
                campaign = await uow.session.get(Campaign, campaign_id)
                if campaign is not None and campaign.status in ACTIVE:
                    created += await materialise_campaign(uow, campaign, now)
                    await uow.commit()
        except Exception:  # one broken campaign must not hold back the others
            log.exception("materialising campaign %s failed", campaign_id)
    return created


async def remind_round(uow: UnitOfWork, round_: Round, campaign: Campaign, now: datetime,
                       security: SecuritySettings) -> int:
    """Enqueue the reminders now due to members of one round who have not answered (``security``:
    the secrets that recognise the respondents of an anonymous campaign)."""
    assert round_.id is not None and campaign.reminder_after_minutes
    statement = select(Delivery.target_id, Delivery.sent_at).where(
        Delivery.round_id == round_.id, Delivery.purpose == "prompt", Delivery.target_kind == "member",
        Delivery.status == "sent")
    sent = (await uow.session.exec(statement)).all()
    done = await answered(uow, round_.id)
    assert campaign.id is not None
    alone = await quiet(uow, campaign.id, round_.id, now)  # skipped, snoozed or left
    after, created = timedelta(minutes=campaign.reminder_after_minutes), 0
    for number in range(1, campaign.reminders + 1):
        targets = [Target.member(int(member_id)) for member_id, sent_at in sent
                   if sent_at is not None and sent_at + number * after <= now
                   and (round_.closes_at is None or sent_at + number * after < round_.closes_at)
                   and int(member_id) not in alone
                   and not has_answered(done, campaign, round_.id, int(member_id), security)]
        created += len(await enqueue(uow, Source("round", round_.id), f"reminder.{number}", targets, now))
    return created


async def send_reminders(services: Services) -> int:
    now, created = services.clock.now(), 0
    async with services.db.uow() as uow:
        statement = (select(Round, Campaign).join(Campaign, col(Campaign.id) == col(Round.campaign_id))
                     .where(col(Round.closed_at).is_(None), col(Round.closes_at) > now,
                            Campaign.status == "running", col(Campaign.reminders) > 0,
                            col(Campaign.reminder_after_minutes).is_not(None)))
        for round_, campaign in (await uow.session.exec(statement)).all():
            created += await remind_round(uow, round_, campaign, now, services.settings.security)
        await uow.commit()
    return created


async def close_round(uow: UnitOfWork, round_: Round, campaign: Campaign, now: datetime) -> bool:
    """Close a round once (a concurrent close finds it closed) and enqueue its summary."""
    statement = (update(Round).where(col(Round.id) == round_.id, col(Round.closed_at).is_(None))
                 .values(closed_at=now).execution_options(synchronize_session=False))
    if not getattr(await uow.session.exec(statement), "rowcount", 0):
        return False
    round_.closed_at = now
    assert round_.id is not None
    if campaign.anonymous:
        await reshuffle(uow, round_.id)
        await forget_reminders(uow, round_.id)
    targets = [Target.member(campaign.created_by)] if campaign.created_by else []
    if campaign.summary_to_channels:
        targets += await channel_targets(uow, campaign)
    await enqueue(uow, Source("round", round_.id), "summary", targets, now)
    return True


async def forget_reminders(uow: UnitOfWork, round_id: int) -> None:
    """Delete a closed round's reminder rows: each said that its member had not answered by then.
    A row being sent at this moment is left to its dispatcher."""
    statement = (delete(Delivery).where(col(Delivery.round_id) == round_id,
                                        col(Delivery.purpose).startswith("reminder."),
                                        col(Delivery.status) != "sending")
                 .execution_options(synchronize_session=False))
    await uow.session.exec(statement)


async def open_rounds(uow: UnitOfWork, campaign_id: int) -> list[Round]:
    statement = select(Round).where(Round.campaign_id == campaign_id, col(Round.closed_at).is_(None))
    return list((await uow.session.exec(statement.order_by(col(Round.index)))).all())


async def close_campaign(uow: UnitOfWork, campaign: Campaign, now: datetime) -> int:
    """Close every open round now (summaries follow) and the campaign itself."""
    assert campaign.id is not None
    closed = [await close_round(uow, r, campaign, now) for r in await open_rounds(uow, campaign.id)]
    campaign.status = "closed"
    uow.session.add(campaign)
    await uow.session.flush()
    return sum(closed)


async def close_due(services: Services) -> int:
    """Close rounds whose time is up; close campaigns whose schedule is over and rounds all closed."""
    now, closed = services.clock.now(), 0
    async with services.db.uow() as uow:
        statement = (select(Round, Campaign).join(Campaign, col(Campaign.id) == col(Round.campaign_id))
                     .where(col(Round.closed_at).is_(None), col(Round.closes_at) <= now))
        for round_, campaign in (await uow.session.exec(statement)).all():
            closed += await close_round(uow, round_, campaign, now)
        for campaign in await _active_campaigns(uow):
            assert campaign.id is not None
            last = await last_round(uow, campaign.id)
            if schedule_over(campaign, last, now) and not await open_rounds(uow, campaign.id):
                audit.record(uow, None, "campaign.close", f"campaign:{campaign.id}",
                             {"from": campaign.status, "to": "closed", "reason": "schedule over"}, at=now)
                campaign.status = "closed"
                uow.session.add(campaign)
        await uow.commit()
    return closed
