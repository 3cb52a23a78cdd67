"""The next rounds of a campaign being written, as sample recipients in different time zones would get
them, before it is created or started; and the channels its form may post in.

The values are the ``campaign new`` form's (``core.campaigns.form.read`` checks them, naming the wrong
one); the rounds come from ``core.campaigns.schedules`` and are placed as the rounds job places them
(``core.campaigns.rounds.recipients``): at the campaign's fixed zone, or at each recipient's own local
time, and left out on a public holiday where the recipient lives when the campaign skips holidays.
A campaign posted in a channel (mode ``channel``) has one time for everyone: the campaign's zone, or
its creator's when "local" (as ``core.campaigns.rounds.recipients`` posts it).

The web form picks that channel from a list (``channel_choices``: ``core.groups.lookup``'s channels
linked to groups the member may see, in their own workspace, named as the chat's form names them);
``check`` reads the form as the chat's ``campaign.create`` does and refuses a channel not listed, every
wrong input named at once (``FormErrors``).
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
from core.campaigns.form_check import FormErrors
from core.campaigns.lifecycle import NewCampaign, check_schedule
from core.campaigns.schedules import instant, occurrences, wall_of
from core.directory.models import Member
from core.errors import InvalidInput, ParvisError
from core.groups.lookup import LinkedChannel, Viewer, visible_channels
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
    #: the channel rounds are posted in (mode ``channel``), else ``None``
    channel: str | None = None


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


def _viewer(visitor: Visitor) -> Viewer:
    return Viewer(visitor.member_id, admin=ADMIN in visitor.roles)


async def _choices(uow: UnitOfWork, visitor: Visitor) -> list[LinkedChannel]:
    return await visible_channels(uow, _viewer(visitor), visitor.actor.platform, visitor.actor.tenant)


async def channel_choices(services: Services, visitor: Visitor) -> list[LinkedChannel]:
    """The channels the form offers: linked to groups the member may see, in the workspace they act
    from (the chat's form reads a channel id there)."""
    async with services.db.uow() as uow:
        return await _choices(uow, visitor)


def _channel_error(values: Mapping[str, str], choices: list[LinkedChannel]) -> ParvisError | None:
    if values.get("mode") != "channel":
        return None
    chosen = values.get("channel", "").strip()
    if not chosen:
        return InvalidInput("webui.pick_channel").within("channel")
    if chosen not in {choice.channel_id for choice in choices}:
        return InvalidInput("campaign.unknown_channel", channel=chosen).within("channel")
    return None


async def _read(uow: UnitOfWork, visitor: Visitor, values: Mapping[str, str],
                now: datetime | None) -> NewCampaign:
    """The campaign the values describe; with ``now``, the schedule and audience checked too (the
    preview checks the schedule itself and counts the audience it reaches instead)."""
    where = (None, visitor.actor.platform, visitor.actor.tenant)
    wrong = _channel_error(values, await _choices(uow, visitor))
    if wrong is None:
        return await campaign_form.read(uow, _viewer(visitor), values, None, where, now, visitor.timezone)
    errors: dict[str, ParvisError] = {"channel": wrong}
    try:  # the other inputs, read with no channel: what it would reach is not asked then
        await campaign_form.read(uow, _viewer(visitor), {**values, "channel": ""}, None, where, now,
                                 visitor.timezone)
    except FormErrors as others:
        errors |= {name: error for name, error in others.errors.items()
                   if name not in ("groups", "channel", "mode")}
    order = list(values)
    raise FormErrors(dict(sorted(errors.items(),
                                 key=lambda item: order.index(item[0]) if item[0] in order else 99)))


async def check(services: Services, visitor: Visitor, values: Mapping[str, str]) -> None:
    """Raises ``FormErrors`` naming every wrong input of the web form's values, the channel as listed."""
    async with services.db.uow() as uow:
        await _read(uow, visitor, values, services.clock.now())


async def preview(services: Services, visitor: Visitor, values: Mapping[str, str]) -> Preview:
    """The next ``ROUNDS`` rounds for sample recipients, or in the channel; ``FormErrors`` names every
    wrong value (a ``ParvisError``)."""
    async with services.db.uow() as uow:
        new = await _read(uow, visitor, values, None)
        try:
            check_schedule(new, services.clock.now(), visitor.timezone)
        except ParvisError as error:
            campaign_form.attribute(error, values)  # named next to its input
            raise
        reached, found = await _audience(uow, new.group_ids)
    channel = f"#{new.channels[0].channel}" if new.mode == "channel" and new.channels else None
    if new.mode == "channel":  # one moment for everyone in the channel
        zones: tuple[str, ...] = (new.zone or visitor.timezone,)
    else:
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
    return Preview(tuple(rounds), zones, reached, new.zone, channel)
