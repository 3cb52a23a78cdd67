"""The weekly digest: last week's adoption figures, by direct message to animators and admins, each at
``[analytics] digest`` (``"monday 09:00"``) in their own time zone — through the outbox.

A periodic job (``enqueue_due``, leader only, every few minutes) writes one outbox row per recipient
whose local digest time of this week has passed, named ``digest:<ISO week>`` (``digest:2026-W49``,
the week of the recipient's local digest day): the outbox's unique key over (source, purpose, target)
makes the job safe to run again, after a restart, or in two processes at once — a week's digest is
written, so sent, once. The message is built at send time (``core.stats.digest_message``), so a
recipient who lost the role or was erased meanwhile gets nothing, and it is in their language of then.

Off unless configured: with no ``[analytics] digest`` the job writes nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select

from core.access.rules import ADMIN
from core.access.table import ORGANISATION_FIGURES, SEEING
from core.campaigns.schedules import instant, wall_of, zone
from core.delivery.models import Delivery
from core.delivery.outbox import Source, Target, enqueue
from core.directory.models import Member, MemberRole
from core.runtime.db import UnitOfWork
from core.runtime.scheduler import worker_of
from core.settings import DigestTime
from core.text import fold

if TYPE_CHECKING:
    from core.services import Services

PURPOSE = "stats.digest"
SOURCE = "digest"
#: how often the job looks for digests due: a recipient gets theirs at most this late
JOB_SECONDS = 300.0
EXAMPLE = '"monday 09:00"'

#: the names of the days ``[analytics] digest`` accepts, English and French, folded (0 = Monday)
DAYS: dict[str, int] = {}
for _number, _names in enumerate((("monday", "mon", "lundi"), ("tuesday", "tue", "mardi"),
                                  ("wednesday", "wed", "mercredi"), ("thursday", "thu", "jeudi"),
                                  ("friday", "fri", "vendredi"), ("saturday", "sat", "samedi"),
                                  ("sunday", "sun", "dimanche"))):
    DAYS.update(dict.fromkeys(_names, _number))


def parse_when(text: str) -> DigestTime | None:
    """``"monday 09:00"`` (also ``"Mon 9:00"``, ``"lundi 9h30"``) as a ``DigestTime``; blank is
    ``None`` (no digest). Raises ``ValueError`` saying what is expected."""
    if not text.strip():
        return None
    match = re.fullmatch(r"\s*([^\W\d_]+)\s+(\d{1,2})\s*[:h]\s*(\d{2})?\s*", fold(text))
    if match is None or match[1] not in DAYS:
        raise ValueError(f"a day of the week and a time of day such as {EXAMPLE}")
    try:
        return DigestTime(weekday=DAYS[match[1]], at=time(int(match[2]), int(match[3] or 0)))
    except ValueError as exc:
        raise ValueError(f"a real time of day (00:00 to 23:59), such as {EXAMPLE}") from exc


def week_label(day: date) -> str:
    """The ISO week ``day`` falls in, as ``2026-W49``: the id of that week's digest source."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def reported_week(label: str) -> date:
    """The Monday of the week a digest labelled ``label`` reports on: the week before its own."""
    year, _, week = label.partition("-W")
    return date.fromisocalendar(int(year), int(week), 1) - timedelta(weeks=1)


def due_week(now: datetime, zone_name: str, when: DigestTime) -> str | None:
    """The label of this week's digest for someone living in ``zone_name``, once their local digest
    time of this week has passed at ``now``; ``None`` before it."""
    tz = zone(zone_name)
    local = wall_of(now, tz).date()
    day = local - timedelta(days=local.weekday() - when.weekday)
    return week_label(day) if now >= instant(datetime.combine(day, when.at), tz) else None


def recipient_roles() -> tuple[str, ...]:
    """The roles whose holders get the digest: those who may see the organisation's figures."""
    return tuple(dict.fromkeys((*SEEING[ORGANISATION_FIGURES].roles, ADMIN)))


async def recipients(uow: UnitOfWork) -> list[tuple[int, str]]:
    """``(member id, time zone)`` of every member, not erased, holding a digest role."""
    holders = select(MemberRole.member_id).where(col(MemberRole.role).in_(recipient_roles()))
    rows = (await uow.session.exec(
        select(Member.id, Member.timezone).where(col(Member.erased_at).is_(None), col(Member.id).in_(holders))
        .order_by(col(Member.id)))).all()
    return [(int(member_id), timezone) for member_id, timezone in rows if member_id is not None]


async def written(uow: UnitOfWork, source: Source) -> set[str]:
    """The member targets that already have ``source``'s digest row."""
    return set((await uow.session.exec(select(Delivery.target_id).where(
        Delivery.source == str(source), Delivery.purpose == PURPOSE))).all())


async def enqueue_due(services: Services) -> int:
    """Write the digest rows now due (the periodic job); returns how many were written. Repeating it,
    or running it in two processes at once, writes no row twice."""
    when = services.settings.analytics.digest
    if when is None:
        return 0
    now = services.clock.now()
    created: list[int] = []
    async with services.db.uow() as uow:
        due: dict[str, list[Target]] = {}
        for member_id, zone_name in await recipients(uow):
            if (label := due_week(now, zone_name, when)) is not None:
                due.setdefault(label, []).append(Target.member(member_id))
        for label, targets in sorted(due.items()):
            source = Source(SOURCE, label)
            known = await written(uow, source)
            fresh = [target for target in targets if target.id not in known]
            if fresh:
                created += await enqueue(uow, source, PURPOSE, fresh, now, payload={"week": label})
        await uow.commit()
    if created and (worker := worker_of(services)) is not None:
        worker.wake()
    return len(created)
