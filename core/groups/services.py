"""Groups: the services behind the ``group …`` commands, as plain functions over one unit of work.

Handlers parse text and render replies; these functions decide and write. They raise ParvisError
subclasses carrying catalog keys, never talk to a platform, and never commit: the router commits
once the whole command succeeded, so a refusal leaves nothing half-written.

Finding groups (visibility, search, tolerant references) lives in ``core.groups.lookup``.

Ownership rule: a group with members always has an owner. When the last owner leaves, the
longest-standing remaining member becomes owner; when nobody remains, the next member to join does.

Naming rule: a public group's slug is its name's; a private group's slug is its name's plus a random
suffix (``board-room-k7q2m``). Why: slugs are unique, so a private group holding ``board-room`` would
make ``group create Board Room`` fail for people who cannot see it — telling them it exists. With the
suffix a private group never takes a name from anyone, and creating a group answers exactly the same
whether or not a private group of that name exists.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, bindparam, case, cast, delete, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from core.directory import erased
from core.directory.models import Member
from core.errors import Conflict, InvalidInput, UsageError
from core.groups.lookup import Viewer, by_slug, forget_memberships, membership, visible_groups
from core.groups.models import Group, GroupChannel, GroupMember, is_owner
from core.ports import ConversationRef
from core.runtime.db import ROWS_TOLD, UnitOfWork
from core.runtime.sqlite_driver import read_rows
from core.text import fold, slugify, tokenize

MAX_NAME = 80
MAX_DESCRIPTION = 1000
MAX_TAGS = 10
PRIVATE_FLAGS = frozenset({"--private", "--prive"})
_DESCRIPTION_SEP = re.compile(r"(?:^|\s)--(?:\s|$)")
_TAG = re.compile(r"#(\w[\w-]{0,39})")
#: the letters of a private group's slug suffix (no 0/o, 1/l look-alikes)
SUFFIX_LETTERS = "abcdefghijkmnpqrstuvwxyz23456789"
SUFFIX_LENGTH = 5


@dataclass(frozen=True)
class NewGroup:
    """What ``group create`` was asked for, already validated."""

    name: str
    description: str
    tags: tuple[str, ...]
    private: bool


def parse_create(text: str) -> NewGroup:
    """Read ``<name> [--private] [-- <description with #tags>]`` and check every limit."""
    head, *rest = _DESCRIPTION_SEP.split(text, maxsplit=1)
    words = tokenize(head)
    private = any(fold(word) in PRIVATE_FLAGS for word in words)
    name = " ".join(word for word in words if fold(word) not in PRIVATE_FLAGS)
    description = rest[0].strip() if rest else ""
    if not name:
        raise UsageError("group.name_missing", usage="usage.group.create")
    if len(name) > MAX_NAME:
        raise InvalidInput("group.name_too_long", length=len(name), limit=MAX_NAME)
    if not slugify(name):
        raise InvalidInput("group.name_no_letters", name=name)
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput("group.description_too_long", length=len(description), limit=MAX_DESCRIPTION)
    tags = tuple(dict.fromkeys(fold(tag) for tag in _TAG.findall(description)))[:MAX_TAGS]
    return NewGroup(name, description, tags, private)

def private_slug(name: str) -> str:
    """A private group's slug: its name's, and a random suffix (see the naming rule above)."""
    suffix = "".join(secrets.choice(SUFFIX_LETTERS) for _ in range(SUFFIX_LENGTH))
    return f"{slugify(name)[: MAX_NAME - SUFFIX_LENGTH - 1].rstrip('-')}-{suffix}"


async def _slug_for(uow: UnitOfWork, viewer: Viewer, new: NewGroup) -> str:
    """The new group's slug; a group of the same name the creator can see is a Conflict naming it."""
    plain = slugify(new.name)
    for group in await visible_groups(uow, viewer, archived=True):
        if plain in (group.slug, slugify(group.name)):
            raise Conflict("group.exists", name=group.name, slug=group.slug)
    if new.private:
        return private_slug(new.name)
    if await by_slug(uow, plain) is not None:  # a hidden group named before private slugs had suffixes
        raise Conflict("group.name_unavailable")
    return plain


async def create(uow: UnitOfWork, viewer: Viewer, new: NewGroup, now: datetime) -> Group:
    """A new group owned by its creator; a name the creator sees taken is a Conflict, even in a race."""
    slug = await _slug_for(uow, viewer, new)
    group = Group(slug=slug, name=new.name, description=new.description, tags=list(new.tags),
                  visibility="private" if new.private else "public", created_by=viewer.member_id,
                  created_at=now)
    uow.session.add(group)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict("group.taken") from exc
    assert group.id is not None
    forget_memberships(uow)
    uow.session.add(GroupMember(group_id=group.id, member_id=viewer.member_id, role="owner", joined_at=now))
    await uow.session.flush()
    return group


@cache
def _owners_statement() -> Any:
    return (select(func.count()).select_from(GroupMember)
            .where(col(GroupMember.group_id) == bindparam("group", type_=Integer()), is_owner()))


async def _owner_count(uow: UnitOfWork, group: Group) -> int:
    """How many owners the group has (the partial index of owners: no other membership is read)."""
    return int((await read_rows(uow, _owners_statement(), {"group": group.id}))[0][0])


@cache
def _join_statement(dialect: str) -> Any:
    """``add`` in one statement: the membership, its role (owner of a group without one) decided
    by the database, the member's sort key copied from their row (``GroupMember.name_key``), and
    that row read as not erased under a share lock (the router's ``erased_at`` check, done here:
    ``core.directory.erased.vouch``). Nothing is inserted when the membership exists already
    (``ON CONFLICT DO NOTHING``) or the member was erased meanwhile."""
    group, member = bindparam("group", type_=Integer()), bindparam("member", type_=Integer())
    owned = select(col(GroupMember.member_id)).where(col(GroupMember.group_id) == group, is_owner()).exists()
    role = case((owned, literal("member", String())), else_=literal("owner", String()))
    table = GroupMember.__table__  # type: ignore[attr-defined]
    joined = table.c.joined_at
    rows = (select(cast(group, Integer()), cast(member, Integer()), role, col(Member.name_key),  # type: ignore[call-overload]
                   bindparam("now", type_=joined.type))
            .select_from(Member).where(col(Member.id) == member, col(Member.erased_at).is_(None))
            .with_for_update(read=True, of=Member))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(table).from_select(["group_id", "member_id", "role", "name_key", "joined_at"], rows)
            .on_conflict_do_nothing().returning(table.c.role)
            .execution_options(**{ROWS_TOLD: True}))


async def add(uow: UnitOfWork, group: Group, member_id: int, now: datetime) -> GroupMember | None:
    """Make ``member_id`` a member (owner of an ownerless group); None when already a member."""
    if group.archived_at is not None:
        raise Conflict("group.archived", name=group.name)
    if await membership(uow, group, member_id) is not None:
        return None
    forget_memberships(uow)
    assert group.id is not None
    params = {"group": group.id, "member": member_id, "now": now}
    rows = await uow.write(_join_statement(uow.dialect), params, last=True)
    role = rows[0][0] if rows else None
    if role is None:  # joined at the same moment elsewhere, or erased meanwhile: the plain way says which
        return await _add_plainly(uow, group, member_id, now)
    row = GroupMember(group_id=group.id, member_id=member_id, role=role, joined_at=now)
    uow.wrote_rows([row])
    erased.vouch(uow, member_id)
    return row


async def _add_plainly(uow: UnitOfWork, group: Group, member_id: int, now: datetime) -> GroupMember:
    """The membership written by the ORM: a Conflict when it exists; saved for a member erased
    meanwhile, whom the router then finds erased (and the transaction is not committed)."""
    role = "owner" if await _owner_count(uow, group) == 0 else "member"
    assert group.id is not None
    row = GroupMember(group_id=group.id, member_id=member_id, role=role, joined_at=now)
    name = group.name  # a failed flush rolls the session back and expires the group
    uow.session.add(row)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # the same join, twice at once
        raise Conflict("group.already_member", name=name) from exc
    return row


async def leave(uow: UnitOfWork, group: Group, member_id: int) -> Member | None:
    """Remove a membership; returns the member who inherits ownership, if the last owner left."""
    row = await membership(uow, group, member_id)
    if row is None:
        raise Conflict("group.not_member", name=group.name)
    forget_memberships(uow)
    heir: Member | None = None
    if row.role == "owner" and await _owner_count(uow, group) == 1:
        statement = (select(GroupMember).where(GroupMember.group_id == group.id,
                                               GroupMember.member_id != member_id)
                     .order_by(col(GroupMember.joined_at), col(GroupMember.member_id)).limit(1))
        successor = (await uow.session.exec(statement)).first()
        if successor is not None:
            successor.role = "owner"
            uow.session.add(successor)
            heir = await uow.session.get(Member, successor.member_id)
    name = group.name
    params = {"group": group.id, "member": member_id}
    if await uow.write(_leave_statement(), params, last=True):
        uow.wrote_rows([row], "deleted")
        erased.vouch(uow, member_id)
        return heir
    if await erased.erased_at(uow, member_id) is None:  # left at the same moment elsewhere
        raise Conflict("group.not_member", name=name)
    # erased meanwhile: said written, so that the router finds them erased and saves nothing
    uow.wrote_rows([row], "deleted")
    return heir


@cache
def _leave_statement() -> Any:
    """The membership deleted, if its member is not erased: their row read under a share lock on
    PostgreSQL (the router's ``erased_at`` check, done here: ``core.directory.erased.vouch``)."""
    table = GroupMember.__table__  # type: ignore[attr-defined]
    member = bindparam("member", type_=Integer())
    alive = (select(col(Member.id)).where(col(Member.id) == member, col(Member.erased_at).is_(None))
             .with_for_update(read=True).exists())
    return (delete(table).where(table.c.group_id == bindparam("group", type_=Integer()),
                                table.c.member_id == member, alive)
            .returning(table.c.role).execution_options(**{ROWS_TOLD: True}))


async def archive(uow: UnitOfWork, group: Group, now: datetime) -> None:
    if group.archived_at is not None:
        raise Conflict("group.already_archived", name=group.name)
    group.archived_at = now
    uow.session.add(group)
    await uow.session.flush()


async def channels_of(uow: UnitOfWork, group: Group) -> list[ConversationRef]:
    statement = select(GroupChannel).where(GroupChannel.group_id == group.id).order_by(col(GroupChannel.id))
    rows = (await uow.session.exec(statement)).all()
    return [ConversationRef(platform=row.platform, tenant=row.tenant, channel=row.channel_id) for row in rows]


async def link(uow: UnitOfWork, group: Group, where: ConversationRef, member_id: int, now: datetime) -> bool:
    """Record the channel as linked; False when it already was."""
    if group.archived_at is not None:
        raise Conflict("group.archived", name=group.name)
    statement = select(GroupChannel).where(
        GroupChannel.group_id == group.id, GroupChannel.platform == where.platform,
        GroupChannel.tenant == where.tenant, GroupChannel.channel_id == where.channel)
    if (await uow.session.exec(statement)).first() is not None:
        return False
    assert group.id is not None
    uow.session.add(GroupChannel(group_id=group.id, platform=where.platform, tenant=where.tenant,
                                 channel_id=where.channel, linked_by=member_id, linked_at=now))
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # linked by someone else at the same moment
        raise Conflict("group.already_linked", name=group.name) from exc
    return True
