"""Who a Teams user is, and where to reach them later.

The core's identity store (``core.directory.identities``) keeps, per Teams user: the service URL of
their tenant, the tenant id, their Bot Framework id (``29:…``) and, once they have a personal chat
with the bot, its serialised ``ConversationReference`` — with the tenant id put back, since
botbuilder 4.17.1 drops ``conversation.tenantId`` when it (de)serialises a reference. That is what
lets the messenger message someone after a restart (``continue_conversation``) or open a chat with
someone the bot never talked to (``create_conversation``, which needs the tenant and the service URL).

``MemberCache`` remembers what ``TeamsInfo.get_member`` said (e-mail, name) for a while, so a busy
chat does not ask the connector on every message.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from core.commands import Actor
from core.directory import identities
from core.ports import MemberAddress
from core.services import Services

PLATFORM = "teams"


@dataclass(frozen=True)
class MemberInfo:
    email: str | None
    name: str | None
    aad_object_id: str | None = None


class MemberCache:
    """A small LRU with expiry: ``(tenant, user id)`` → ``MemberInfo``."""

    def __init__(self, size: int = 10_000, ttl_seconds: float = 3600.0) -> None:
        self.size, self.ttl = size, ttl_seconds
        self._items: OrderedDict[tuple[str, str], tuple[float, MemberInfo]] = OrderedDict()

    def get(self, key: tuple[str, str]) -> MemberInfo | None:
        found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            self._items.pop(key, None)
            return None
        self._items.move_to_end(key)
        return found[1]

    def put(self, key: tuple[str, str], info: MemberInfo) -> None:
        self._items[key] = (time.monotonic() + self.ttl, info)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def reference_of(activity: Activity, tenant: str) -> dict[str, Any]:
    """The activity's conversation reference as JSON, with the tenant id botbuilder would lose."""
    reference: dict[str, Any] = TurnContext.get_conversation_reference(activity).serialize()
    conversation = dict(reference.get("conversation") or {})
    conversation["tenantId"] = tenant
    reference["conversation"] = conversation
    return reference


def restore(data: dict[str, Any]) -> ConversationReference:
    """A stored reference back as botbuilder's object (``tenant_id`` restored by hand)."""
    reference = ConversationReference().deserialize(data)
    tenant = (data.get("conversation") or {}).get("tenantId")
    if reference.conversation is not None and tenant:
        reference.conversation.tenant_id = tenant
    return reference


def contact_of(activity: Activity, tenant: str) -> dict[str, Any]:
    """What to keep about the sender of ``activity`` (personal reference only from a personal chat)."""
    sender = activity.from_property
    contact: dict[str, Any] = {"service_url": activity.service_url, "tenant_id": tenant,
                               "channel_id": activity.channel_id,
                               "user": {"id": sender.id if sender else None,
                                        "name": sender.name if sender else None}}
    if activity.recipient is not None:
        contact["bot"] = {"id": activity.recipient.id, "name": activity.recipient.name}
    conversation = activity.conversation
    if conversation is not None and conversation.conversation_type in (None, "personal"):
        contact["personal"] = reference_of(activity, tenant)
    return contact


async def remember(services: Services, actor: Actor, contact: dict[str, Any]) -> None:
    """Store ``contact`` on the actor's identity (creating member and identity if new); writes only
    when something changed, so an ordinary message costs one read."""
    await identities.remember_conversation(services, actor, contact)


async def contact(services: Services, tenant: str, user_id: str) -> dict[str, Any] | None:
    """The stored contact of one Teams user, if any."""
    return await identities.conversation(services, PLATFORM, tenant, user_id)


async def service_url_of(services: Services, tenant: str) -> str | None:
    """A service URL for ``tenant``, from the most recent Teams users of that tenant we heard from."""
    for known in await identities.recent_conversations(services, PLATFORM, tenant):
        url = known.get("service_url")
        if url:
            return str(url)
    return None


async def remember_personal(services: Services, to: MemberAddress, personal: dict[str, Any],
                            service_url: str) -> None:
    """Keep the personal chat ``create_conversation`` just opened, so the next message continues it."""
    await identities.merge_conversation(services, PLATFORM, to.tenant, to.user_id,
                                        {"personal": personal, "service_url": service_url,
                                         "tenant_id": to.tenant})
