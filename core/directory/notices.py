"""Telling a member that someone changed what they are: a role granted or revoked, an addition to a
group, the ownership of a group handed to them.

Each notice is one outbox row (purpose ``member.notice``) written in the transaction of the change,
so a change rolled back tells nobody, and sent right after the commit (the command handler queues
``core.delivery.immediate.send_now`` with the rows ``tell`` returned); the dispatcher retries it if the
member's platform is down. The row holds a catalog key and its values; the text is built at send
time in the recipient's language. Its source names the change and its moment (``role:<member>/<role>/
grant/<unique>``, ``group:<id>/added/<member>/<unique>``…), so granting, revoking and granting again are
three messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing, Source, Target, enqueue
from core.directory.members import address_of
from core.directory.models import Member
from core.i18n import Translator
from core.messages import Reply
from core.runtime.db import UnitOfWork
from core.settings import Settings

PURPOSE = "member.notice"


def unique() -> str:
    """What makes a change's source key its own: two changes in the same instant (a role granted,
    revoked and granted again) are still three messages."""
    return uuid.uuid4().hex


async def tell(uow: UnitOfWork, member_id: int, source: Source, key: str, values: Mapping[str, Any],
               now: datetime) -> list[int]:
    """Queue catalog ``key`` with ``values`` for ``member_id``; returns the rows to send after commit."""
    return await enqueue(uow, source, PURPOSE, [Target.member(member_id)], now,
                         payload={"key": key, "values": dict(values)})


async def render(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """The notice in the member's language now; nothing for an erased member or one never seen on a
    platform."""
    member = await uow.session.get(Member, int(delivery.target_id))
    if member is None or member.id is None or member.erased_at is not None:
        return None
    address = await address_of(uow, member.id)
    if address is None:
        return None
    text = Translator(member.locale)(str(delivery.payload["key"]), **delivery.payload["values"])
    return Outgoing(address, Reply(text=text).localised(member.locale))
