"""Announcements: ``group announce`` posts to every linked channel, through the outbox.

The announcement is a row of its own, written with one outbox delivery per linked channel on a
connected platform (source ``announcement:<id>``, target ``gc:<linked channel id>``); the command
sends them right after its commit and the dispatcher retries what failed. Each channel's post is a
delivery of its own, so Slack failing neither stops nor repeats the Teams post. Built at send time
from the database: a channel unlinked or a group archived meanwhile gets nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select

from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing, Source, Target, enqueue
from core.directory.models import Member
from core.groups.models import Announcement, Group, GroupChannel
from core.i18n import Translator
from core.markup import escape
from core.messages import Reply
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork
from core.settings import Settings

PURPOSE = "group.announcement"
CHANNEL_KEY = "gc:"


async def write(uow: UnitOfWork, group: Group, author_id: int, text: str, locale: str,
                platforms: Collection[str], now: datetime) -> list[int]:
    """Record the announcement and one delivery per linked channel on one of ``platforms`` (those
    this server is connected to); the ids of the deliveries, to send once the transaction commits."""
    assert group.id is not None
    statement = (select(GroupChannel).where(GroupChannel.group_id == group.id,
                                            col(GroupChannel.platform).in_(list(platforms)))
                 .order_by(col(GroupChannel.id)))
    channels = (await uow.session.exec(statement)).all()
    announcement = Announcement(group_id=group.id, author_id=author_id, text=text, locale=locale,
                                created_at=now)
    uow.session.add(announcement)
    await uow.session.flush()
    assert announcement.id is not None
    targets = [Target.channel(f"{CHANNEL_KEY}{channel.id}") for channel in channels]
    return await enqueue(uow, Source("announcement", announcement.id), PURPOSE, targets, now)


async def render(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """The post for one linked channel, in the author's language, signed with their name."""
    announcement = await uow.session.get(Announcement, int(delivery.source.partition(":")[2]))
    group = await uow.session.get(Group, announcement.group_id) if announcement is not None else None
    key = delivery.target_id.removeprefix(CHANNEL_KEY)
    channel = await uow.session.get(GroupChannel, int(key)) if key.isdigit() else None
    if (announcement is None or group is None or group.archived_at is not None or channel is None
            or channel.group_id != group.id):
        return None
    author = await uow.session.get(Member, announcement.author_id) if announcement.author_id else None
    t = Translator(announcement.locale)
    reply = Reply(text=escape(announcement.text), title=t("group.announce_title", name=group.name),
                  context=t("group.announce_context", author=author.display_name if author else "?"),
                  visibility="public", locale=announcement.locale)
    return Outgoing(ConversationRef(channel.platform, channel.tenant, channel.channel_id), reply)
