"""The weekly digest's message, built at send time from its outbox row (``core.stats.digest`` writes it).

One row is one recipient's digest of one week (source ``digest:<ISO week>``, payload ``week``): the
figures are those of the week *before* that one, Monday to Sunday — the same whenever the row is sent,
even on a retry the next day. Nothing is sent to someone who no longer holds a role that sees the
organisation's figures, was erased, or was never seen on a platform. The words are in the recipient's
language of the moment; the chart (the weekly active share over the last ``CHART_WEEKS`` weeks, and
the past week's participation per campaign) goes as the reply's ``Image``, which each platform shows
its own way (Slack uploads it; a Teams proactive card says why it is not shown when it is too large to
travel inside the card and no ``[web] public_url`` serves it).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from core.access.rules import permits
from core.access.table import ORGANISATION_FIGURES, SEEING
from core.dates import format_day
from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing
from core.directory.members import address_of, roles_of
from core.directory.models import Member
from core.i18n import Translator
from core.messages import Reply
from core.runtime.db import UnitOfWork
from core.settings import Settings
from core.stats import activity, commands, service, summary
from core.stats.digest import reported_week
from core.stats.figures import Scope, Stats

#: how many weeks the digest's chart shows, the reported one last
CHART_WEEKS = 8


async def figures(uow: UnitOfWork, member_id: int, roles: frozenset[str], label: str,
                  minimum: int) -> tuple[Stats, Stats]:
    """The organisation's figures of the week the digest ``label`` reports on, as ``member_id`` may
    see them; and the same with ``CHART_WEEKS`` weeks of activity, for the chart."""
    first = datetime.combine(reported_week(label), time(), tzinfo=UTC)
    found = await service.gather(uow, Scope(), first, 1, minimum, member_id=member_id, roles=roles)
    if found.withheld:
        return found, found
    since = first - timedelta(weeks=CHART_WEEKS - 1)
    weeks = await activity.weeks(uow, service.people_of(Scope()), since, CHART_WEEKS)
    return found, replace(found, start=since.date(), weeks=tuple(weeks))


async def render(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """One recipient's digest, or ``None`` if they may no longer have it."""
    member = await uow.session.get(Member, int(delivery.target_id))
    if member is None or member.id is None or member.erased_at is not None:
        return None
    roles = await roles_of(uow, member.id)
    address = await address_of(uow, member.id)
    if address is None or not permits(roles, SEEING[ORGANISATION_FIGURES]):
        return None
    label = str(delivery.payload.get("week") or delivery.source.partition(":")[2])
    found, charted = await figures(uow, member.id, roles, label, settings.campaigns.anonymity_min)
    t = Translator(member.locale)
    sections = summary.sections(t, found, digest=True)
    image = await asyncio.to_thread(commands.chart, charted, member.locale)
    reply = Reply(text="\n\n".join(section.text for section in sections), sections=sections,
                  title=t("digest.title", start=format_day(t.locale, found.start),
                          end=format_day(t.locale, found.end)),
                  context=t("digest.context", minimum=found.minimum), image=image, locale=member.locale)
    return Outgoing(address, reply)
