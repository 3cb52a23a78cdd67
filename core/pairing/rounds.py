"""Pairing rounds: made at each group's cadence, introduced through the outbox, reminded mid-round.

Two leader-only periodic jobs (``core/pairing/wiring.py``), each safe to repeat:

- ``make_due`` makes the round of every group whose ``next_round_at`` has come: the participants
  (opted in, still in the group, not paused, not away, not erased) are matched
  (``core.pairing.matching``) avoiding whoever they met in the last ``HISTORY_ROUNDS`` rounds; each
  pair is a ``Pairing`` row and its introductions outbox rows (source ``pair:<pairing id>``). The
  round is unique per (group, index): made twice, it exists once, with its deliveries once. Under
  two participants the owners are told instead.
- ``remind_due`` queues, mid-round, a reminder for each pair that has not answered yet.

Who gets what message is decided at send time by ``core.pairing.intros``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.delivery.outbox import Source, Target, addresses_of, enqueue
from core.directory.models import ExpertStatus, Member
from core.groups.models import GroupMember
from core.pairing.matching import Group, Participant, Preferences, match
from core.pairing.models import Pairing, PairingParticipant, PairingPause, PairingRound, PairingSetup
from core.runtime.db import UnitOfWork

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

#: rounds whose pairs are not repeated while another arrangement exists
HISTORY_ROUNDS = 12
INTRO, REMINDER, TOO_FEW = "pairing.intro", "pairing.reminder", "pairing.too_few"
#: a target naming the conversation of a pair's members on one platform that can open one
GROUP_KEY = "pair:"


def source(round_id: int) -> Source:
    """What a round's own messages come from (the owners' "too few participants")."""
    return Source("pairing", round_id)


def pair_source(pairing_id: int) -> Source:
    """What a pair's introductions and reminders come from: one row per pair, place and purpose."""
    return Source("pair", pairing_id)


async def participants(uow: UnitOfWork, group_id: int, now: datetime) -> list[Member]:
    """Who takes part in a round made ``now``: opted in, still in the group, not erased, neither
    paused nor away (``expert away`` counts: someone on holiday is not paired)."""
    paused = select(col(PairingPause.member_id)).where(col(PairingPause.until) > now)
    away = select(col(ExpertStatus.member_id)).where(
        col(ExpertStatus.away).is_(True),
        or_(col(ExpertStatus.away_until).is_(None), col(ExpertStatus.away_until) > now))
    statement = (
        select(Member)
        .join(PairingParticipant, col(PairingParticipant.member_id) == col(Member.id))
        .join(GroupMember, (col(GroupMember.member_id) == col(Member.id))
              & (col(GroupMember.group_id) == col(PairingParticipant.group_id)))
        .where(col(PairingParticipant.group_id) == group_id, col(Member.erased_at).is_(None),
               col(Member.id).not_in(paused), col(Member.id).not_in(away))
        .order_by(col(Member.id)))
    return list((await uow.session.exec(statement)).all())


async def history(uow: UnitOfWork, group_id: int, rounds: int = HISTORY_ROUNDS) -> list[list[Group]]:
    """The groups of the last ``rounds`` rounds, most recent first."""
    recent = select(col(PairingRound.id)).where(PairingRound.group_id == group_id).order_by(
        col(PairingRound.index).desc()).limit(rounds)
    ids = [round_id for round_id in (await uow.session.exec(recent)).all() if round_id is not None]
    statement = select(Pairing).where(col(Pairing.round_id).in_(ids))
    by_round: dict[int, list[Group]] = {round_id: [] for round_id in ids}
    for pairing in (await uow.session.exec(statement)).all():
        by_round[pairing.round_id].append(tuple(pairing.members))
    return [by_round[round_id] for round_id in ids]


async def owners(uow: UnitOfWork, group_id: int) -> list[int]:
    statement = select(col(GroupMember.member_id)).where(GroupMember.group_id == group_id,
                                                         GroupMember.role == "owner")
    return list((await uow.session.exec(statement)).all())


async def _insert_round(uow: UnitOfWork, values: dict[str, object]) -> int | None:
    """The new round's id, or ``None`` when (group, index) exists already (another run made it)."""
    insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    statement = (insert(PairingRound).values(**values)
                 .on_conflict_do_nothing(index_elements=["group_id", "index"])
                 .returning(col(PairingRound.id)))
    return (await uow.session.exec(statement)).scalar_one_or_none()


async def intro_targets(uow: UnitOfWork, members: list[int],
                        grouping: set[str]) -> list[tuple[Target, str]]:
    """Where a pair is introduced: one conversation of its members on a platform in ``grouping``
    (those that open group conversations) when two or more are there, else a direct message each."""
    addresses = await addresses_of(uow, members)
    by_place: dict[tuple[str, str], list[int]] = {}
    for member_id in members:
        if (address := addresses.get(member_id)) is not None:
            by_place.setdefault((address.platform, address.tenant), []).append(member_id)
    targets: list[tuple[Target, str]] = []
    for (platform, tenant), together in by_place.items():
        if platform in grouping and len(together) >= 2:
            targets.append((Target.channel(f"{GROUP_KEY}{platform}|{tenant}"), platform))
        else:
            targets += [(Target.member(member_id), platform) for member_id in together]
    return targets


async def _enqueue_pairs(uow: UnitOfWork, pairings: list[Pairing], purpose: str,
                         grouping: set[str], now: datetime) -> int:
    """One outbox row per pair and place (source ``pair:<id>``)."""
    count = 0
    for pairing in pairings:
        assert pairing.id is not None
        targets = [target for target, _ in await intro_targets(uow, pairing.members, grouping)]
        count += len(await enqueue(uow, pair_source(pairing.id), purpose, targets, now))
    return count


async def make_round(uow: UnitOfWork, setup: PairingSetup, now: datetime, grouping: set[str],
                     rng: random.Random | None = None) -> int | None:
    """The group's next round, its pairs and their introductions, in the caller's transaction;
    moves ``next_round_at`` on by the cadence. ``None`` if another run made this round."""
    last = (await uow.session.exec(select(col(PairingRound.index)).where(
        PairingRound.group_id == setup.group_id).order_by(col(PairingRound.index).desc()).limit(1))).first()
    people = await participants(uow, setup.group_id, now)
    met_before = await history(uow, setup.group_id)
    half = timedelta(days=setup.every_weeks * 7 / 2)
    round_id = await _insert_round(uow, {"group_id": setup.group_id, "index": (last or 0) + 1,
                                         "started_at": now, "remind_at": now + half,
                                         "participants": len(people)})
    step = timedelta(weeks=setup.every_weeks)
    due = setup.next_round_at or now
    while due <= now:
        due += step
    setup.next_round_at = due
    if round_id is None:
        return None
    if len(people) < 2:
        targets = [Target.member(owner) for owner in await owners(uow, setup.group_id)]
        await enqueue(uow, source(round_id), TOO_FEW, targets, now, payload={"count": len(people)})
        return round_id
    found = match([Participant(p.id or 0, p.department, p.location) for p in people],
                  met_before,
                  Preferences(setup.size, setup.cross_department), rng)
    pairings = [Pairing(round_id=round_id, group_id=setup.group_id, members=list(group))
                for group in found]
    uow.session.add_all(pairings)
    await uow.session.flush()
    await _enqueue_pairs(uow, pairings, INTRO, grouping, now)
    return round_id


def group_platforms(services: Services) -> set[str]:
    """The connected platforms whose messenger opens conversations of several people."""
    return {name for name, messenger in services.messengers.items() if messenger.can_open_group}


async def _each(services: Services, ids: list[int],
                work: Callable[[UnitOfWork, int], Awaitable[None]]) -> None:
    """``work`` for each id in a transaction of its own."""
    for item in ids:
        try:
            async with services.db.uow() as uow:
                await work(uow, item)
                await uow.commit()
        except Exception:  # one broken group must not hold back the others
            log.exception("pairing work for %s failed", item)


async def make_due(services: Services) -> int:
    """Make the due round of every group with pairing on, one transaction per group."""
    now, made = services.clock.now(), 0
    async with services.db.uow() as uow:
        statement = select(col(PairingSetup.group_id)).where(
            col(PairingSetup.enabled).is_(True), col(PairingSetup.next_round_at) <= now)
        ids = [group_id for group_id in (await uow.session.exec(statement)).all() if group_id is not None]
    grouping = group_platforms(services)

    async def one(uow: UnitOfWork, group_id: int) -> None:
        nonlocal made
        # locked: a second scheduler waits here, then sees the round made and the next one not due
        setup = await uow.session.get(PairingSetup, group_id, with_for_update=True)
        if setup is not None and setup.enabled and setup.next_round_at and setup.next_round_at <= now:
            made += await make_round(uow, setup, now, grouping) is not None

    await _each(services, ids, one)
    return made


async def remind_due(services: Services) -> int:
    """Queue the mid-round reminder of each pair of a round whose ``remind_at`` has come and that
    has not answered yet."""
    now, queued = services.clock.now(), 0
    async with services.db.uow() as uow:
        statement = select(col(PairingRound.id)).where(col(PairingRound.remind_at) <= now,
                                                        col(PairingRound.reminded_at).is_(None))
        ids = [round_id for round_id in (await uow.session.exec(statement)).all() if round_id is not None]
    grouping = group_platforms(services)

    async def one(uow: UnitOfWork, round_id: int) -> None:
        nonlocal queued
        round_ = await uow.session.get(PairingRound, round_id)
        if round_ is None or round_.reminded_at is not None:
            return
        waiting = (await uow.session.exec(select(Pairing).where(
            Pairing.round_id == round_id, col(Pairing.outcome).is_(None)))).all()
        queued += await _enqueue_pairs(uow, list(waiting), REMINDER, grouping, now)
        round_.reminded_at = now

    await _each(services, ids, one)
    return queued
