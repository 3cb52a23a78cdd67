"""The adoption page's figures: those of the chat's ``stats`` — the organisation for animators (the
``SEEING`` row ``ORGANISATION_FIGURES``), the member's groups otherwise, with the same privacy rule
(``anonymity_min``) — without the chart, which the page fetches apart (``stats``'s own picture).

Gathering them reads weeks of activity of the whole organisation (``core.stats``: a few hundred
milliseconds at 5,000 members), for figures that move by the week. So the page keeps what it
gathered for ``Recent.seconds`` (a minute), per scope and per what the member may see (their id and
roles: the campaigns and groups shown depend on them), and reloading it reads nothing again; the
chat's ``stats`` always gathers afresh."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

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
from core.stats.figures import Scope, Stats
from core.web.pages import require_open
from core.web.sessions import Visitor


@dataclass
class Recent:
    """Figures gathered lately, by (scope, member, roles), each kept ``seconds``."""

    seconds: float = 60.0
    most: int = 200
    kept: dict[tuple[Scope, int, frozenset[str]], tuple[float, Stats]] = field(default_factory=dict)

    def get(self, key: tuple[Scope, int, frozenset[str]]) -> Stats | None:
        found = self.kept.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: tuple[Scope, int, frozenset[str]], figures: Stats) -> None:
        self.kept = {k: v for k, v in self.kept.items() if v[0] >= time.monotonic()}
        if len(self.kept) >= self.most:
            self.kept.pop(next(iter(self.kept)))
        self.kept[key] = (time.monotonic() + self.seconds, figures)


async def adoption(services: Services, visitor: Visitor, recent: Recent | None = None) -> Reply:
    """The member's ``stats``, as words and figures (``recent``: figures gathered lately, reused)."""
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
        key = (scope, visitor.member_id, visitor.roles)
        found = recent.get(key) if recent is not None else None
        if found is None:
            found = await service.gather(uow, scope, services.clock.now(), DEFAULT_WEEKS,
                                         services.settings.campaigns.anonymity_min,
                                         member_id=visitor.member_id, roles=visitor.roles)
            if recent is not None:
                recent.put(key, found)
    sections = summary.sections(t, found)
    title = f"{heading} — " + t("stats.period", start=format_day(t.locale, found.start),
                                   end=format_day(t.locale, found.end))
    return Reply(text="\n\n".join(section.text for section in sections), title=title,
                 context=t("stats.note", minimum=found.minimum))
