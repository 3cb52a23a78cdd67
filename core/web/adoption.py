"""The adoption page's figures: those of the chat's ``stats`` — the organisation for animators (the
``SEEING`` row ``ORGANISATION_FIGURES``), the member's groups otherwise, with the same privacy rule
(``anonymity_min``) — without the chart, which the page fetches apart (``stats``'s own picture)."""

from __future__ import annotations

from sqlmodel import col, select

from core.access.rules import permits
from core.access.table import ORGANISATION_FIGURES, SEEING
from core.dates import format_day
from core.groups.models import Group, GroupMember
from core.i18n import Translator
from core.messages import Reply
from core.services import Services
from core.stats import service, summary
from core.stats.commands import DEFAULT_WEEKS
from core.stats.figures import Scope
from core.web.pages import require_open
from core.web.sessions import Visitor


async def adoption(services: Services, visitor: Visitor) -> Reply:
    """The member's ``stats``, as words and figures."""
    require_open(services, "stats")
    t = Translator(visitor.locale)
    async with services.db.uow() as uow:
        if permits(visitor.roles, SEEING[ORGANISATION_FIGURES]):
            scope, heading = Scope(), t("stats.title_organisation")
        else:
            groups = list((await uow.session.exec(
                select(Group).join(GroupMember, col(GroupMember.group_id) == col(Group.id))
                .where(GroupMember.member_id == visitor.member_id, col(Group.archived_at).is_(None))
                .order_by(col(Group.name)))).all())
            if not groups:
                return Reply(text=t("stats.no_group_of_mine"))
            scope = Scope("groups", tuple(g.id for g in groups if g.id is not None))
            heading = t("stats.title_groups", groups=", ".join(g.name for g in groups[:5]))
        found = await service.gather(uow, scope, services.clock.now(), DEFAULT_WEEKS,
                                     services.settings.campaigns.anonymity_min,
                                     member_id=visitor.member_id, roles=visitor.roles)
    sections = summary.sections(t, found)
    title = f"{heading} — " + t("stats.period", start=format_day(t.locale, found.start),
                                   end=format_day(t.locale, found.end))
    return Reply(text="\n\n".join(section.text for section in sections), title=title,
                 context=t("stats.note", minimum=found.minimum))
