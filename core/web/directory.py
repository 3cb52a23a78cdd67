"""What the web console's groups and experts pages show, under the permission table.

Groups: the ones the member may know of (``SEEING["group"]``, ``core.groups.lookup``), and one
group's members, linked channels and announcements — a hidden group is "not found", as in the chat.
Experts: the same search as ``expert find`` (``core.directory.search``), the questions ``question
list`` shows the member with their routing history, and the referents of each skill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from core.access.rules import ADMIN, permits
from core.access.table import TABLE
from core.directory.models import ExpertSkill, Member, Skill
from core.directory.search import SearchResult, find_experts
from core.experts.models import Question, QuestionRoute
from core.experts.questions import listing
from core.groups import lookup, roster
from core.groups.lookup import GroupSummary, Viewer
from core.groups.models import Announcement, GroupChannel
from core.runtime.db import UnitOfWork
from core.services import Services
from core.web.pages import require_open
from core.web.sessions import Visitor

ANNOUNCEMENTS_SHOWN = 50
#: members listed on a group's page (the others counted): as many as the page showed before it
#: read only those
MEMBERS_SHOWN = 500


def _viewer(visitor: Visitor) -> Viewer:
    return Viewer(visitor.member_id, admin=ADMIN in visitor.roles)


async def groups(services: Services, visitor: Visitor) -> list[GroupSummary]:
    """The groups ``group list`` shows the member."""
    require_open(services, "group list")
    async with services.db.uow() as uow:
        return await lookup.summaries(uow, _viewer(visitor))


@dataclass(frozen=True)
class Said:
    """An announcement, or a step of a question's routing: when, who, what."""

    at: datetime
    who: str
    text: str


@dataclass(frozen=True)
class GroupView:
    slug: str
    name: str
    description: str
    visibility: str
    #: the first ``MEMBERS_SHOWN`` members, owners first, then by name
    members: tuple[roster.Listed, ...]
    #: how many live members the group has
    member_count: int
    channels: tuple[tuple[str, str], ...]
    announcements: tuple[Said, ...]
    #: whether the member may announce to it (its owners, animators)
    manager: bool


async def _names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await uow.session.exec(select(Member).where(col(Member.id).in_(wanted)))).all()
    return {m.id: ("" if m.erased_at else m.display_name or m.email or "") for m in rows if m.id is not None}


async def group(services: Services, visitor: Visitor, slug: str) -> GroupView:
    """One group the member may see (``NotFound`` otherwise, as ``group info`` says)."""
    require_open(services, "group members")
    async with services.db.uow() as uow:
        found = await lookup.resolve(uow, _viewer(visitor), slug)
        assert found.id is not None
        members = await roster.page(uow, found, MEMBERS_SHOWN)
        channels = (await uow.session.exec(select(GroupChannel).where(GroupChannel.group_id == found.id)
                                           .order_by(col(GroupChannel.id)))).all()
        said = (await uow.session.exec(select(Announcement).where(Announcement.group_id == found.id)
                                       .order_by(col(Announcement.id).desc()).limit(ANNOUNCEMENTS_SHOWN))).all()
        names = await _names(uow, {a.author_id for a in said})
        facts = await lookup.relations(uow, found, visitor.member_id)
    return GroupView(found.slug, found.name, found.description, found.visibility, tuple(members.rows),
                     members.total, tuple((c.platform, c.channel_id) for c in channels),
                     tuple(Said(a.created_at, names.get(a.author_id or 0, ""), a.text) for a in said),
                     permits(visitor.roles, TABLE["group announce"], facts))


@dataclass(frozen=True)
class QuestionView:
    id: int
    text: str
    status: str
    skills: tuple[str, ...]
    #: its routing history: each expert it went to and what came of it
    routes: tuple[Said, ...]


@dataclass(frozen=True)
class ExpertsView:
    found: SearchResult | None
    questions: tuple[QuestionView, ...]
    #: skill → the names of its referents
    referents: tuple[tuple[str, tuple[str, ...]], ...]


async def _questions(uow: UnitOfWork, visitor: Visitor) -> tuple[QuestionView, ...]:
    mine, assigned, escalated = await listing(uow, visitor.member_id, visitor.roles)
    shown: dict[int, Question] = {q.id: q for q in [*mine, *assigned, *escalated] if q.id is not None}
    routes = (await uow.session.exec(select(QuestionRoute).where(col(QuestionRoute.question_id).in_(shown))
                                     .order_by(col(QuestionRoute.id)))).all() if shown else []
    names = await _names(uow, {r.expert_id for r in routes})
    return tuple(QuestionView(qid, q.text, q.status, tuple(q.skills or ()), tuple(
        Said(r.routed_at, names.get(r.expert_id or 0, ""), r.outcome or "") for r in routes
        if r.question_id == qid)) for qid, q in shown.items())


async def _referents(uow: UnitOfWork) -> tuple[tuple[str, tuple[str, ...]], ...]:
    rows = (await uow.session.exec(
        select(Skill.name, Member.display_name).join(ExpertSkill, col(ExpertSkill.skill_id) == col(Skill.id))
        .join(Member, col(Member.id) == col(ExpertSkill.member_id))
        .where(col(ExpertSkill.referent), col(Member.erased_at).is_(None)).order_by(col(Skill.name)))).all()
    found: dict[str, list[str]] = {}
    for skill, name in rows:
        found.setdefault(skill, []).append(name)
    return tuple((skill, tuple(names)) for skill, names in found.items())


async def experts(services: Services, visitor: Visitor, topic: str) -> ExpertsView:
    """The experts of ``topic`` (none asked: no search), the member's questions, the referents."""
    require_open(services, "expert find")
    async with services.db.uow() as uow:
        found = await find_experts(uow, services.db, topic, services.clock.now()) if topic.strip() else None
        return ExpertsView(found, await _questions(uow, visitor), await _referents(uow))
