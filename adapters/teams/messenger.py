"""The Teams ``Messenger``: proactive direct messages, channel posts and card updates.

Direct messages continue the personal conversation stored on the member's identity
(``adapters/teams/identity.py``); with none yet, ``create_conversation`` opens one (it needs the tenant
and a service URL, both kept from the member's — or their tenant's — earlier activities).

botbuilder never retries: a failure raises after one attempt and becomes ``DeliveryError`` here, for
the dispatcher to retry — 429 with the connector's ``Retry-After``, 412/5xx and network errors as
transient, 401/403/404 (bot removed, user gone, conversation deleted) and 413 as permanent.

``SentMessage.conversation`` holds ``<service URL>|<conversation id>`` so an update works after a
restart without looking anything up; the core treats it as opaque.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams import identity, outbound
from adapters.teams.inbound import PLATFORM
from core.errors import DeliveryError, MessageGone
from core.messages import Reply
from core.ports import ConversationRef, GroupAddress, MemberAddress, Progress, SentMessage
from core.services import Services

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"
PERMANENT = frozenset({400, 401, 403, 404, 413})
SEPARATOR = "|"


class TeamsConversationParameters(ConversationParameters):
    """botbuilder serialises ``tenant_id`` as ``tenantID``; the Teams connector reads ``tenantId``."""

    _attribute_map = {**ConversationParameters._attribute_map,
                      "tenant_id": {"key": "tenantId", "type": "str"}}


def encode(service_url: str, conversation_id: str) -> str:
    return f"{service_url}{SEPARATOR}{conversation_id}"


def decode(conversation: str) -> tuple[str, str]:
    service_url, _, conversation_id = conversation.partition(SEPARATOR)
    return service_url, conversation_id


def _status(exc: BaseException | None) -> int | None:
    """The HTTP status of a connector failure, if it got that far."""
    if isinstance(exc, HttpOperationError) and exc.response is not None:
        return int(getattr(exc.response, "status_code", None) or getattr(exc.response, "status", 0) or 0)
    return None


def delivery_error(exc: Exception) -> DeliveryError:
    """A connector failure as the dispatcher understands it."""
    if isinstance(exc, HttpOperationError) and exc.response is not None:
        status = _status(exc)
        retry = _seconds((getattr(exc.response, "headers", None) or {}).get("Retry-After"))
        return DeliveryError(f"teams connector answered {status}", permanent=status in PERMANENT,
                             retry_after=retry if status == 429 else None)
    if isinstance(exc, ClientRequestError | aiohttp.ClientError | TimeoutError | OSError):
        return DeliveryError(f"teams connector unreachable: {type(exc).__name__}")
    return DeliveryError(f"teams send failed: {type(exc).__name__}")


def _seconds(value: Any) -> float | None:
    try:
        return max(float(value), 0.0) if value is not None else None
    except (TypeError, ValueError):
        return None


class TeamsMessenger:
    """Sends on Teams through the ``CloudAdapter``; raises ``DeliveryError`` on any failure."""

    platform = PLATFORM
    #: a bot cannot add people to a Teams channel (only Microsoft Graph, with admin-consented
    #: permissions, can), so ``invite`` does nothing and the core promises nothing
    can_invite = False
    #: nor can it start a group chat: a coffee pairing on Teams is one 1:1 message per person
    can_open_group = False

    def __init__(self, adapter: CloudAdapter, app_id: str, services: Services) -> None:
        self.adapter, self.app_id, self.services = adapter, app_id, services
        self.service_urls: dict[str, str] = {}

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        progress = progress if progress is not None else Progress()
        contact = await identity.contact(self.services, to.tenant, to.user_id)
        if contact and contact.get("personal"):
            reference = identity.restore(contact["personal"])
            return await self._send(reference, reply, progress)
        return await self._create(to, contact or {}, reply, progress)

    async def send_group(self, to: GroupAddress, reply: Reply,
                         progress: Progress | None = None) -> SentMessage:
        raise DeliveryError("a Teams bot cannot open a group chat", permanent=True)

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        service_url = await self._service_url(channel.tenant)
        conversation_id = channel.channel + (f";messageid={channel.thread}" if channel.thread else "")
        reference = ConversationReference(
            channel_id=CHANNEL_ID, service_url=service_url, bot=ChannelAccount(id=self.app_id),
            conversation=ConversationAccount(id=conversation_id, is_group=True,
                                             conversation_type="channel", tenant_id=channel.tenant))
        return await self._send(reference, reply, progress if progress is not None else Progress())

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        service_url, conversation_id = decode(sent.conversation)
        reference = ConversationReference(channel_id=CHANNEL_ID, service_url=service_url,
                                          bot=ChannelAccount(id=self.app_id),
                                          conversation=ConversationAccount(id=conversation_id))
        activity = outbound.activities(reply)[0]
        activity.id = sent.message_id

        async def change(context: TurnContext) -> None:
            activity.conversation = context.activity.conversation
            await context.update_activity(activity)

        await self._continue(reference, change)

    async def delete(self, message: SentMessage) -> None:
        """``DELETE /v3/conversations/{id}/activities/{activityId}`` through the connector; a 404
        (deleted already, or never there) is ``MessageGone``."""
        service_url, conversation_id = decode(message.conversation)
        reference = ConversationReference(channel_id=CHANNEL_ID, service_url=service_url,
                                          bot=ChannelAccount(id=self.app_id),
                                          conversation=ConversationAccount(id=conversation_id))

        async def remove(context: TurnContext) -> None:
            await context.delete_activity(message.message_id)

        try:
            await self._continue(reference, remove)
        except DeliveryError as error:
            if _status(error.__cause__) == 404:
                raise MessageGone("teams connector answered 404: the message was deleted already") from error
            raise

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        """Nothing: the Bot Framework has no call to add a member to a channel."""
        log.debug("teams: cannot add %d member(s) to channel %s; the bot API has no such call",
                  len(members), channel.channel)

    def learn(self, tenant: str, service_url: str | None) -> None:
        """Inbound activities tell which service URL serves a tenant (for channel posts)."""
        if tenant and service_url:
            self.service_urls[tenant] = service_url

    async def _send(self, reference: ConversationReference, reply: Reply, progress: Progress) -> SentMessage:
        """The reply's activities, from the first one ``progress`` does not count."""
        conversation = encode(reference.service_url, reference.conversation.id)

        async def send(context: TurnContext) -> None:
            await _send_parts(context, reply, conversation, progress)

        await self._continue(reference, send)
        return _first(progress, conversation)

    async def _continue(self, reference: ConversationReference,
                        logic: Callable[[TurnContext], Awaitable[None]]) -> None:
        try:
            await self.adapter.continue_conversation(reference, logic, bot_app_id=self.app_id)
        except Exception as exc:  # every connector failure becomes a DeliveryError, typed below
            raise delivery_error(exc) from exc

    async def _create(self, to: MemberAddress, contact: dict[str, Any], reply: Reply,
                      progress: Progress) -> SentMessage:
        service_url = contact.get("service_url") or await self._service_url(to.tenant)
        user_id = (contact.get("user") or {}).get("id") or to.user_id
        parameters = TeamsConversationParameters(
            is_group=False, bot=ChannelAccount(id=self.app_id), members=[ChannelAccount(id=user_id)],
            tenant_id=to.tenant, channel_data={"tenant": {"id": to.tenant}})
        opened_in: list[str] = []

        async def opened(context: TurnContext) -> None:
            personal = identity.reference_of(context.activity, to.tenant)
            await identity.remember_personal(self.services, to, personal, service_url)
            opened_in.append(encode(service_url, context.activity.conversation.id))
            await _send_parts(context, reply, opened_in[0], progress)

        try:
            await self.adapter.create_conversation(self.app_id, opened, parameters, CHANNEL_ID, service_url)
        except DeliveryError:
            raise
        except Exception as exc:  # connector failures, typed like sends
            raise delivery_error(exc) from exc
        return _first(progress, opened_in[0] if opened_in else "")

    async def _service_url(self, tenant: str) -> str:
        url = self.service_urls.get(tenant) or await identity.service_url_of(self.services, tenant)
        if not url:
            raise DeliveryError(f"no Teams service URL known for tenant {tenant!r} yet: nobody there has "
                                "talked to the bot", permanent=True)
        return url


async def _send_parts(context: TurnContext, reply: Reply, conversation: str, progress: Progress) -> None:
    """Send the activities of ``reply`` that ``progress`` does not count yet, counting each."""
    for activity in outbound.activities(reply)[progress.parts:]:
        response = await context.send_activity(activity)
        progress.advance(SentMessage(PLATFORM, conversation, response.id if response and response.id else ""))


def _first(progress: Progress, conversation: str) -> SentMessage:
    """The first part's reference (an empty reply still names its conversation)."""
    return progress.first or SentMessage(PLATFORM, conversation, "")
