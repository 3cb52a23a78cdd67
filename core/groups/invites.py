"""Bringing group members into the group's linked channels.

When someone becomes a member (``group join``, a Join click, ``group add``, a join through a linked
Slack channel), or a channel is linked to a group that already has members, the people concerned are
invited to the linked channels on every platform where they have an identity in that channel's
workspace or tenant. Platforms whose bot cannot add people to channels (Teams) are left out.

The invitations are worked out inside the command's transaction and sent by the router after it
commits (``ctx.after_commit``), so a membership that is rolled back invites nobody.

Why not a durable outbox job: an invitation is a convenience, not a message that must arrive. A
member who was not invited (a crash between commit and call, a channel the bot left) can join the
channel themselves, and typing ``group link`` again in the channel invites every member who is
missing (an invitation is idempotent: "already in the channel" is success). The outbox's guarantees —
exactly once, retries over hours — would add a job kind and a row per invitation for no gain a
member would notice; a failure is logged with the channel and the reason instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam
from sqlmodel import col, select

from core.directory.models import Identity, Member
from core.errors import DeliveryError
from core.groups.models import Group, GroupChannel, GroupMember
from core.ports import ConversationRef, MemberAddress, Messenger
from core.runtime.db import UnitOfWork
from core.runtime.sqlite_driver import read_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invitation:
    """Members to add to one linked channel, by their identity on that channel's platform."""

    channel: ConversationRef
    members: tuple[MemberAddress, ...]


@cache
def _statement() -> Any:
    """Each (linked channel, member identity in the channel's workspace) pair of the group's live
    members: the member is in the group and has an account where the channel is. Built once, the
    group a parameter (every join asks)."""
    return (select(col(GroupChannel.platform), col(GroupChannel.tenant), col(GroupChannel.channel_id),  # type: ignore[call-overload]
                   col(Identity.platform), col(Identity.tenant), col(Identity.user_id))
            .join(Identity, (col(Identity.platform) == col(GroupChannel.platform))
                  & (col(Identity.tenant) == col(GroupChannel.tenant)))
            .join(GroupMember, (col(GroupMember.group_id) == col(GroupChannel.group_id))
                  & (col(GroupMember.member_id) == col(Identity.member_id)))
            .join(Member, col(Member.id) == col(Identity.member_id))
            .where(col(GroupChannel.group_id) == bindparam("group", type_=Integer()),
                   col(Member.erased_at).is_(None))
            .order_by(col(GroupChannel.id), col(Identity.id)))


@cache
def _joining_statement() -> Any:
    """``_statement`` for one member about to join: their identities where the group's channels are,
    the membership not asked (it is not written yet)."""
    return (select(col(GroupChannel.platform), col(GroupChannel.tenant), col(GroupChannel.channel_id),  # type: ignore[call-overload]
                   col(Identity.platform), col(Identity.tenant), col(Identity.user_id))
            .join(Identity, (col(Identity.platform) == col(GroupChannel.platform))
                  & (col(Identity.tenant) == col(GroupChannel.tenant)))
            .where(col(GroupChannel.group_id) == bindparam("group", type_=Integer()),
                   col(Identity.member_id) == bindparam("member", type_=Integer()))
            .order_by(col(GroupChannel.id), col(Identity.id)))


@cache
def _members_statement() -> Any:
    return _statement().where(col(Identity.member_id).in_(bindparam("members", expanding=True)))


async def _gather(uow: UnitOfWork, statement: Any, params: dict[str, Any]) -> list[Invitation]:
    by_channel: dict[ConversationRef, list[MemberAddress]] = {}
    for platform, tenant, channel, on, team, user_id in await read_rows(uow, statement, params):
        where = ConversationRef(platform=platform, tenant=tenant, channel=channel)
        address = MemberAddress(platform=on, tenant=team, user_id=user_id)
        by_channel.setdefault(where, []).append(address)
    return [Invitation(where, tuple(members)) for where, members in by_channel.items()]


async def for_members(uow: UnitOfWork, group: Group, member_ids: Iterable[int],
                      skip: ConversationRef | None = None) -> list[Invitation]:
    """Invitations of new members to every linked channel but ``skip`` (where they already are: the
    channel they typed the command in, or joined)."""
    params = {"group": group.id, "members": list(member_ids)}
    found = await _gather(uow, _members_statement(), params)
    return [item for item in found if not _same(item.channel, skip)]


async def for_joining(uow: UnitOfWork, group: Group, member_id: int,
                      skip: ConversationRef | None = None) -> list[Invitation]:
    """``for_members`` for one member, read before their membership is written (``group join``: on
    SQLite the read then stays out of the write turn every writer waits for). The member is the one
    behind the command, not erased: the router refuses to save the join otherwise."""
    found = await _gather(uow, _joining_statement(), {"group": group.id, "member": member_id})
    return [item for item in found if not _same(item.channel, skip)]


async def for_channel(uow: UnitOfWork, group: Group, channel: ConversationRef,
                      except_member: int | None = None) -> list[Invitation]:
    """Invitations of the group's members to a channel just linked (``except_member``, who linked
    it from inside the channel, is there already)."""
    statement = _statement().where(GroupChannel.platform == channel.platform,
                                   GroupChannel.tenant == channel.tenant,
                                   GroupChannel.channel_id == channel.channel)
    if except_member is not None:
        statement = statement.where(Identity.member_id != except_member)
    return await _gather(uow, statement, {"group": group.id})


def _same(channel: ConversationRef, other: ConversationRef | None) -> bool:
    return other is not None and (channel.platform, channel.tenant, channel.channel) == (
        other.platform, other.tenant, other.channel)


def reachable(messengers: Mapping[str, Messenger], invitations: list[Invitation]) -> list[Invitation]:
    """The invitations a connected messenger (by platform) can carry out (the rest cannot be done,
    and is not promised in replies)."""
    kept = []
    for item in invitations:
        messenger = messengers.get(item.channel.platform)
        if messenger is not None and messenger.can_invite:
            kept.append(item)
    return kept


async def send(messengers: Mapping[str, Messenger], invitations: list[Invitation]) -> int:
    """Ask each channel's messenger to add its members; a refusal is logged, the others still go.
    Returns how many member-channel invitations went through."""
    done = 0
    for item in reachable(messengers, invitations):
        messenger = messengers.get(item.channel.platform)
        assert messenger is not None
        try:
            await messenger.invite(item.channel, list(item.members))
            done += len(item.members)
        except DeliveryError as error:
            log.warning("could not add %d group member(s) to %s channel %s: %s", len(item.members),
                        item.channel.platform, item.channel.channel, error.reason)
        except Exception:
            log.exception("adding %d group member(s) to %s channel %s failed", len(item.members),
                          item.channel.platform, item.channel.channel)
    return done
