"""Finding groups: who may see which, fuzzy search, and tolerant references.

Privacy rule: a private group exists only for its members and for admins. For everyone else every
lookup here behaves exactly as for a group that does not exist, and no suggestion ever names it.
References are tolerant: ``"Data Science"``, ``data-science``, ``data science`` and ``datascience``
all name the group whose slug is ``data-science``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import Integer, String, and_, bindparam
from sqlmodel import col, func, or_, select, true

from core.access.rules import ADMIN, permits
from core.access.table import SEEING
from core.directory.models import Member
from core.errors import NotFound
from core.groups.counts import live_counts
from core.groups.models import Group, GroupChannel, GroupMember
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import model_columns, read_rows, untracked
from core.text import fold, slugify, tokenize

if TYPE_CHECKING:
    from core.services import Services

SEARCH_CUTOFF = 70
SUGGEST_CUTOFF = 70
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides which private groups exist for them."""

    member_id: int
    admin: bool = False

    @property
    def roles(self) -> frozenset[str]:
        """The roles that matter to seeing groups (``SEEING["group"]``)."""
        return frozenset({ADMIN}) if self.admin else frozenset()


def group_relations(public: bool, member: bool, owner: bool = False) -> frozenset[str]:
    """A member's relations to a group, as the permission table names them."""
    return frozenset(name for name, fact in (("public", public), ("group_member", member), ("owner", owner))
                     if fact)


#: the columns of a ``GroupCard``, in order
CARD = ("id", "slug", "name", "description", "tags", "visibility")


@dataclass(frozen=True)
class GroupCard:
    """A group's values as lists show them and search reads them: plain values, not a table row (a
    list of every group is read as rows, without the ORM's bookkeeping for each)."""

    id: int
    slug: str
    name: str
    description: str
    tags: tuple[str, ...]
    visibility: str


@dataclass(frozen=True)
class GroupSummary:
    """A group as a list shows it: with its member count and the viewer's role in it."""

    group: GroupCard
    members: int
    my_role: str | None


def visible(viewer: Viewer) -> Any:
    """The SQL condition for the groups ``viewer`` may know about: the permission table's
    ``SEEING["group"]`` row (public, a member of it, or an admin) as SQL, for lists; ``can_see`` asks
    the table itself, and ``tests/test_permissions.py`` checks that both agree."""
    return _visible_to(viewer.admin, viewer.member_id)


def _visible_to(admin: bool, member_id: Any) -> Any:
    """``_visible`` for a member id given as a value or as a bound parameter."""
    if admin:
        return true()
    mine = select(GroupMember.group_id).where(col(GroupMember.member_id) == member_id)
    return or_(col(Group.visibility) == "public", col(Group.id).in_(mine))


async def visible_groups(uow: UnitOfWork, viewer: Viewer, archived: bool = False) -> list[Group]:
    """Every group the viewer may see, by name; archived ones only when asked."""
    statement = select(Group).where(visible(viewer))
    if not archived:
        statement = statement.where(col(Group.archived_at).is_(None))
    groups = (await uow.session.exec(statement)).all()
    return sorted(groups, key=lambda group: fold(group.name))


def live_members(group_id: Any) -> Any:
    """SQL: how many live (not erased) members the group ``group_id`` has.

    Counted from ``group_member``'s primary key alone (an index-only count), then the memberships
    of erased members taken away (found through ``member``'s partial index of erased rows, almost
    always empty). Joining every membership to its ``member`` row instead cost a read of every
    member row per group: on PostgreSQL a scan of ``member`` per group listed, 20 ms for 30 groups
    of a 5,000-member directory."""
    erased = select(Member.id).where(col(Member.erased_at).is_not(None))
    every = select(func.count()).select_from(GroupMember).where(col(GroupMember.group_id) == group_id)
    gone = every.where(col(GroupMember.member_id).in_(erased))
    return every.scalar_subquery() - gone.scalar_subquery()


@lru_cache(maxsize=2)
def _summaries_statement(admin: bool) -> Any:
    """``summaries``' query for an admin or anyone else, built once (the viewer is a parameter)."""
    viewer = bindparam("viewer", type_=Integer())
    mine = (select(GroupMember.role)
            .where(col(GroupMember.group_id) == col(Group.id), col(GroupMember.member_id) == viewer)
            .correlate(Group).scalar_subquery())
    shown = [col(getattr(Group, name)) for name in CARD]
    return (select(*shown, mine)  # type: ignore[call-overload]
            .where(_visible_to(admin, viewer), col(Group.archived_at).is_(None)))


async def summaries(uow: UnitOfWork, viewer: Viewer) -> list[GroupSummary]:
    """The live groups the viewer may see, with member counts and the viewer's own role.

    ``group list`` is among the most frequent commands: one query reads the groups and the viewer's
    role in each (a correlated lookup on ``group_member``'s primary key; the statement built once,
    the viewer a parameter), and the counts come from the process's ``core.groups.counts``.
    """
    rows = await read_rows(uow, _summaries_statement(viewer.admin), {"viewer": viewer.member_id})
    counts = await live_counts(uow)
    found = [GroupSummary(GroupCard(group_id, slug, name, description or "", tuple(tags or ()), visibility),
                          counts.get(group_id, 0), role)
             for group_id, slug, name, description, tags, visibility, role in rows]
    return sorted(found, key=lambda item: fold(item.group.name))


def _score(query: str, group: Group | GroupCard) -> float:
    """How well ``query`` matches a group's slug, name, description or tags (0–100)."""
    fields = [group.name, group.description, " ".join(group.tags)]
    scores = [fuzz.WRatio(query, fold(value), processor=utils.default_process) for value in fields if value]
    scores.append(fuzz.ratio(slugify(query), group.slug))
    return max(scores)


def search(found: list[GroupSummary], query: str) -> list[GroupSummary]:
    """Fuzzy search, best first; accents and case do not matter."""
    folded = fold(query)
    scored = [(_score(folded, item.group), item) for item in found]
    ranked = sorted((pair for pair in scored if pair[0] >= SEARCH_CUTOFF),
                    key=lambda pair: (-pair[0], fold(pair[1].group.name)))
    return [item for _, item in ranked]


async def by_slug(uow: UnitOfWork, slug: str) -> Group | None:
    return (await uow.session.exec(select(Group).where(Group.slug == slug))).first()


#: ``session.info`` key: the memberships (or their absence) ``resolve`` read with their group, by
#: (group id, member id); held here, since the session itself keeps rows only while in use
_KNOWN = "parvis.groups.memberships"


async def membership(uow: UnitOfWork, group: Group, member_id: int) -> GroupMember | None:
    """The member's row in the group, if any. A command asks several times (who may see the group,
    who may join it): what ``resolve`` read with the group is not asked again."""
    known: dict[tuple[int | None, int], GroupMember | None] = uow.session.info.get(_KNOWN, {})
    if (group.id, member_id) in known:
        return known[(group.id, member_id)]
    return await uow.session.get(GroupMember, (group.id, member_id))


def remember_membership(uow: UnitOfWork, group_id: int | None, member_id: int,
                        found: GroupMember | None) -> None:
    """What a read of the group found of the member's row in it, for ``membership`` to answer."""
    uow.session.info.setdefault(_KNOWN, {})[(group_id, member_id)] = found


def forget_memberships(uow: UnitOfWork) -> None:
    """Before writing a membership: what ``membership`` remembers may no longer hold."""
    uow.session.info.pop(_KNOWN, None)


@lru_cache(maxsize=1)
def _named_statement() -> Any:
    """The group with a slug and, if any, the viewer's row in it: one statement."""
    viewer = bindparam("viewer", type_=Integer())
    mine = and_(col(GroupMember.group_id) == col(Group.id), col(GroupMember.member_id) == viewer)
    return select(Group, GroupMember).outerjoin(GroupMember, mine).where(col(Group.slug) == bindparam("slug"))


async def _named(uow: UnitOfWork, slug: str, member_id: int) -> Group | None:
    """``by_slug``, reading the member's membership with it (``membership`` then asks nothing)."""
    found = (await uow.session.exec(_named_statement(), params={"slug": slug, "viewer": member_id})).first()
    if found is None:
        return None
    group: Group = found[0]
    uow.session.info.setdefault(_KNOWN, {})[(group.id, member_id)] = found[1]
    return group


async def relations(uow: UnitOfWork, group: Group, member_id: int) -> frozenset[str]:
    """``public``, ``group_member``, ``owner``: what the permission table asks of a group."""
    row = await membership(uow, group, member_id)
    owner = row is not None and row.role == "owner"
    return group_relations(group.visibility == "public", row is not None, owner)


async def can_see(uow: UnitOfWork, group: Group, viewer: Viewer) -> bool:
    """Whether the group exists for ``viewer`` (``SEEING["group"]``)."""
    return permits(viewer.roles, SEEING["group"], await relations(uow, group, viewer.member_id))


def _match(groups: list[Group], reference: str) -> Group | None:
    """The group a reference names: same slug, else the one group of that name (a private group's
    slug has a suffix, ``core.groups.services``), or the same letters once hyphens are ignored."""
    slug = slugify(reference)
    if not slug:
        return None
    for group in groups:
        if group.slug == slug:
            return group
    compact = slug.replace("-", "")
    for same in ([group for group in groups if slugify(group.name) == slug],
                 [group for group in groups if compact in (group.slug.replace("-", ""),
                                                           slugify(group.name).replace("-", ""))]):
        if len(same) == 1:
            return same[0]
    return None


def _not_found(groups: list[Group], reference: str) -> NotFound:
    """"Did you mean …" among the live groups the viewer may see, never a hidden one."""
    live = {group.slug: fold(group.name) for group in groups if group.archived_at is None}
    best = process.extractOne(fold(reference), live, scorer=fuzz.WRatio, processor=utils.default_process,
                              score_cutoff=SUGGEST_CUTOFF)
    if best is None:
        return NotFound("group.not_found", ref=reference)
    group = next(group for group in groups if group.slug == best[2])
    return NotFound("group.not_found_suggest", ref=reference, name=group.name, slug=group.slug)


async def resolve(uow: UnitOfWork, viewer: Viewer, reference: str) -> Group:
    """The group named by ``"Data Science"``, ``data-science`` or ``data science``."""
    slug = slugify(reference)
    group = await _named(uow, slug, viewer.member_id) if slug else None
    if group is not None and await can_see(uow, group, viewer):
        return group
    groups = await visible_groups(uow, viewer, archived=True)
    found = _match(groups, reference)
    if found is None:
        raise _not_found(groups, reference)
    return found


async def shown(uow: UnitOfWork, viewer: Viewer, reference: str) -> Group:
    """``resolve`` for a command that does not change the group itself (``group info``, ``group
    members``; ``group join`` and ``leave``, which write a membership): the same answer, same
    refusals, read as plain rows (``read_rows``: on SQLite in the loop's own thread,
    on PostgreSQL without a transaction's ``BEGIN``/``ROLLBACK``) into a ``Group`` that no session
    tracks — never to be changed or added to one.

    Why: the ORM's read of one group and its membership was most of ``group info``'s time — a
    transaction begun for it, a hop to the driver thread, the ORM's loading of two objects."""
    slug = slugify(reference)
    group = await _named_row(uow, slug, viewer.member_id) if slug else None
    if group is not None and await can_see(uow, group, viewer):
        return group
    rows = await read_rows(uow, _visible_statement(viewer.admin), {"viewer": viewer.member_id})
    groups = sorted((untracked(Group, row) for row in rows), key=lambda group: fold(group.name))
    found = _match(groups, reference)
    if found is None:
        raise _not_found(groups, reference)
    return found


@lru_cache(maxsize=1)
def _named_row_statement() -> Any:
    """``_named_statement`` as columns: the group's, then the viewer's membership's (all NULL without one)."""
    viewer = bindparam("viewer", type_=Integer())
    mine = and_(col(GroupMember.group_id) == col(Group.id), col(GroupMember.member_id) == viewer)
    return (select(*model_columns(Group), *model_columns(GroupMember))
            .outerjoin(GroupMember, mine).where(col(Group.slug) == bindparam("slug", type_=String())))


@lru_cache(maxsize=2)
def _visible_statement(admin: bool) -> Any:
    """Every group the viewer may see, archived ones too, as columns (the viewer a parameter)."""
    return select(*model_columns(Group)).where(
        _visible_to(admin, bindparam("viewer", type_=Integer())))


async def _named_row(uow: UnitOfWork, slug: str, member_id: int) -> Group | None:
    """``_named`` as rows (``shown``); the membership read with it is remembered the same way."""
    rows = await read_rows(uow, _named_row_statement(), {"slug": slug, "viewer": member_id})
    return _group_of(uow, rows[0], member_id) if rows else None


def _group_of(uow: UnitOfWork, row: Any, member_id: int) -> Group:
    """The group of a ``_named_row_statement`` row (any columns after it ignored), its membership
    remembered (``membership``)."""
    width, mine = len(model_columns(Group)), len(model_columns(GroupMember))
    group = untracked(Group, row[:width])
    theirs = row[width:width + mine]
    membership = untracked(GroupMember, theirs) if theirs[0] is not None else None
    remember_membership(uow, group.id, member_id, membership)
    return group


@lru_cache(maxsize=1)
def _joining_statement() -> Any:
    """``_named_row_statement`` and whether the group has a linked channel."""
    linked = select(col(GroupChannel.group_id)).where(col(GroupChannel.group_id) == col(Group.id)).exists()
    return _named_row_statement().add_columns(linked)


async def joining(uow: UnitOfWork, viewer: Viewer, reference: str) -> tuple[Group, bool]:
    """``shown`` for ``group join``, and whether the group has a linked channel (``True`` when not
    known). Why: most groups have none, and then their invitations need no read of their own."""
    slug = slugify(reference)
    params = {"slug": slug, "viewer": viewer.member_id}
    rows = await read_rows(uow, _joining_statement(), params) if slug else []
    if rows:
        group = _group_of(uow, rows[0], viewer.member_id)
        if await can_see(uow, group, viewer):
            return group, bool(rows[0][-1])
    return await shown(uow, viewer, reference), True


async def resolve_prefix(uow: UnitOfWork, viewer: Viewer, text: str) -> tuple[Group, str]:
    """Split ``<group> <rest>``: the longest run of leading words that names a group, and the rest.

    Quotes need no special case: slugs ignore them, so ``"Data Science" hello`` splits after
    ``Science"``. Raises NotFound (with a suggestion for the first token) when no prefix fits.
    """
    words = list(_WORD.finditer(text))
    groups = await visible_groups(uow, viewer, archived=True)
    for count in range(len(words), 0, -1):
        found = _match(groups, text[: words[count - 1].end()])
        if found is not None:
            return found, text[words[count - 1].end():].strip()
    first = tokenize(text)
    raise _not_found(groups, first[0] if first else text)


async def linked_slugs(uow: UnitOfWork, platform: str, tenant: str, channel_id: str) -> list[str]:
    """The slugs of the live groups linked to a channel."""
    statement = (select(Group.slug).join(GroupChannel, col(GroupChannel.group_id) == col(Group.id))
                 .where(GroupChannel.platform == platform, GroupChannel.tenant == tenant,
                        GroupChannel.channel_id == channel_id, col(Group.archived_at).is_(None)))
    return list((await uow.session.exec(statement)).all())


async def linked_to(services: Services, platform: str, tenant: str, channel_id: str) -> list[str]:
    """``linked_slugs`` as an entry point for an adapter (someone joined that channel)."""
    async with services.db.uow() as uow:
        return await linked_slugs(uow, platform, tenant, channel_id)


@dataclass(frozen=True)
class LinkedChannel:
    """A channel linked to groups, with the names of those the viewer may see."""

    channel_id: str
    groups: tuple[str, ...]


async def visible_channels(uow: UnitOfWork, viewer: Viewer, platform: str,
                           tenant: str) -> list[LinkedChannel]:
    """The channels of one workspace linked to live groups ``viewer`` may see (the ``visible`` rule),
    by channel id: what the campaign form's ``channel`` can name there. A private group's channel is
    listed only for its members and admins."""
    statement = (select(GroupChannel.channel_id, Group.name)
                 .join(Group, col(Group.id) == col(GroupChannel.group_id))
                 .where(visible(viewer), col(Group.archived_at).is_(None), GroupChannel.platform == platform,
                        GroupChannel.tenant == tenant)
                 .order_by(col(GroupChannel.channel_id), col(Group.name)))
    found: dict[str, list[str]] = {}
    for channel_id, name in (await uow.session.exec(statement)).all():
        found.setdefault(channel_id, []).append(name)
    return [LinkedChannel(channel_id, tuple(names)) for channel_id, names in found.items()]


async def hidden_channel(uow: UnitOfWork, viewer: Viewer, platform: str, tenant: str,
                         channel_id: str) -> bool:
    """Whether a channel is linked to groups and to none ``viewer`` may see: a private group's channel,
    which exists only for its members (lookups answer as for a channel Parvis does not know)."""
    linked = (select(GroupChannel.group_id)
              .where(GroupChannel.platform == platform, GroupChannel.tenant == tenant,
                     GroupChannel.channel_id == channel_id))
    ids = list((await uow.session.exec(linked)).all())
    if not ids:
        return False
    seen = select(Group.id).where(col(Group.id).in_(ids), visible(viewer)).limit(1)
    return (await uow.session.exec(seen)).first() is None
