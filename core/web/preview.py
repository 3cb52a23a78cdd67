"""The next rounds of a campaign being written, as sample recipients in different time zones would get
them, before it is created or started.

The values are the ``campaign new`` form's (``core.campaigns.form.read`` checks them, naming the wrong
one); the rounds come from ``core.campaigns.schedules`` and are placed as the rounds job places them
(``core.campaigns.rounds.recipients``): at the campaign's fixed zone, or at each recipient's own local
time, and left out on a public holiday where the recipient lives when the campaign skips holidays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import distinct
from sqlmodel import col, func, select

from core.access.rules import ADMIN
from core.campaigns import form as campaign_form
from core.campaigns.calendars import country_of, is_holiday
from core.campaigns.lifecycle import check_schedule
from core.campaigns.schedules import instant, occurrences, wall_of
from core.directory.models import Member
from core.groups.lookup import Viewer
from core.groups.models import GroupMember
from core.runtime.db import UnitOfWork
from core.services import Services
from core.web.sessions import Visitor

#: how many rounds the preview shows, and how many sample recipients' zones
ROUNDS = 5
ZONES = 4
#: zones added to show the difference when the audience all live in one
CONTRASTS = ("America/New_York", "Asia/Tokyo", "Europe/Paris")


@dataclass(frozen=True)
class Placed:
    """One round for one sample zone: its local time there, or ``None`` (a public holiday there)."""

    zone: str
    local: datetime | None


@dataclass(frozen=True)
class PreviewRound:
    index: int
    wall: datetime
    placed: tuple[Placed, ...]


@dataclass(frozen=True)
class Preview:
    rounds: tuple[PreviewRound, ...]
    #: the sample zones, the audience's first, then contrasting ones
    zones: tuple[str, ...]
    #: how many members the chosen groups reach today
    reached: int
    fixed_zone: str | None


def _zones(found: list[str], own: str) -> tuple[str, ...]:
    zones = list(dict.fromkeys([*found, own]))[:ZONES]
    for extra in CONTRASTS:
        if len(zones) >= 2:
            break
        if extra not in zones:
            zones.append(extra)
    return tuple(zones)


async def _audience(uow: UnitOfWork, group_ids: tuple[int, ...]) -> tuple[int, list[str]]:
    """How many members the groups reach and their time zones (sorted), counted by the database: the
    members ``lifecycle.reachable_members`` would list (not erased, not opted out, each once), without
    reading each of them."""
    if not group_ids:
        return 0, []
    statement = (select(Member.timezone, func.count(distinct(col(Member.id))))
                 .join(GroupMember, col(GroupMember.member_id) == col(Member.id))
                 .where(col(GroupMember.group_id).in_(group_ids), col(Member.erased_at).is_(None),
                        col(Member.campaign_opt_out).is_(False))
                 .group_by(col(Member.timezone)))
    rows = (await uow.session.exec(statement)).all()
    return sum(int(n) for _, n in rows), sorted(zone for zone, _ in rows)


async def preview(services: Services, visitor: Visitor, values: Mapping[str, str]) -> Preview:
    """The next ``ROUNDS`` rounds for sample recipients; a ``ParvisError`` names a wrong value."""
    viewer = Viewer(visitor.member_id, admin=ADMIN in visitor.roles)
    where = (None, visitor.actor.platform, visitor.actor.tenant)
    async with services.db.uow() as uow:
        new = await campaign_form.read(uow, viewer, values, None, where, creator_zone=visitor.timezone)
        check_schedule(new, services.clock.now(), visitor.timezone)
        reached, found = await _audience(uow, new.group_ids)
    zones = _zones(found, visitor.timezone)
    rounds = []
    for index, wall in islice(occurrences(new.schedule()), ROUNDS):
        placed = []
        for zone in zones:
            country = country_of(zone) or country_of(new.zone)
            if new.skip_holidays and is_holiday(wall.date(), country):
                placed.append(Placed(zone, None))
                continue
            placed.append(Placed(zone, wall_of(instant(wall, new.zone or zone), zone).replace(tzinfo=None)))
        rounds.append(PreviewRound(index, wall, tuple(placed)))
    return Preview(tuple(rounds), zones, reached, new.zone)
