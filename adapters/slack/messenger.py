"""The ``Messenger`` port for Slack: direct messages, channel posts and updates through ``chat.*``,
invitations of group members to linked channels through ``conversations.invite``.

Outbox sends are retried by the delivery dispatcher, so this client has no rate-limit retry handler
of its own: a 429 becomes ``DeliveryError(retry_after=…)`` and the dispatcher waits. Errors that no
retry can fix (the user left, the bot is not in the channel) are permanent, with a log line saying
what the admin can do. Invitations happen right after a command (nobody retries them later), so they
go through the adapter's interactive client, which waits out one 429 itself.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import files
from adapters.slack.outbound import render, render_pages
from core.errors import DeliveryError, MessageGone
from core.messages import Reply
from core.ports import ConversationRef, GroupAddress, MemberAddress, Progress, SentMessage

log = logging.getLogger(__name__)

PLATFORM = "slack"
DEFAULT_RETRY_AFTER = 30.0

#: Slack error codes that no retry can fix, and what to tell the admin.
PERMANENT: dict[str, str] = {
    "not_in_channel": "the Parvis bot is not a member of the channel: invite it with /invite @parvis",
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "is_archived": "the channel is archived",
    "user_not_found": "the Slack user does not exist in this workspace",
    "account_inactive": "the Slack account is deactivated",
    "user_disabled": "the Slack account is disabled",
    "cannot_dm_bot": "the address is a bot",
    "message_not_found": "the message to update no longer exists",
    "cant_update_message": "the message was not sent by Parvis",
    "invalid_blocks": "Slack refused the message layout",
    "msg_too_long": "the message is too long",
    "no_text": "the message is empty",
    "restricted_action": "a workspace setting forbids the bot to post there",
    "not_authed": "the bot token is missing",
    "invalid_auth": "the bot token is invalid",
    "token_revoked": "the bot token was revoked",
    "account_inactive_bot": "the bot was removed from the workspace",
}

#: What ``conversations.invite`` adds to ``PERMANENT``, phrased for an invitation.
INVITE_REFUSALS: dict[str, str] = {
    "cant_invite": "Slack does not allow this person in the channel",
    "cant_invite_self": "the bot cannot invite itself",
    "user_is_restricted": "guests can only be added to channels by an admin",
    "user_is_ultra_restricted": "single-channel guests cannot be added",
    "ura_max_channels": "the single-channel guest is already in a channel",
    "method_not_supported_for_channel_type": "the conversation is not a channel",
    "missing_scope": "the app lacks channels:manage or groups:write: reinstall it from the new manifest",
    "no_permission": "a workspace setting forbids the bot to invite people",
    "restricted_action": "a workspace setting forbids the bot to invite people",
}
#: What ``chat.delete`` adds to ``PERMANENT``.
DELETE_REFUSALS: dict[str, str] = {
    "cant_delete_message": "the message was not posted by Parvis: only its author or an admin can delete it",
    "compliance_exports_prevent_deletion": "the workspace's compliance exports forbid deleting messages",
}
#: ``conversations.invite`` takes at most this many user ids per call.
INVITE_BATCH = 1000


def delivery_error(exc: Exception, what: str, permanent: dict[str, str] = PERMANENT) -> DeliveryError:
    """A Slack failure → a ``DeliveryError`` the dispatcher understands."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        code = error_code(exc)
        if status == 429 or code == "ratelimited":
            retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
            return DeliveryError(f"slack rate limit on {what}", retry_after=_seconds(retry))
        if code in permanent:
            log.warning("slack %s failed for good: %s (%s)", what, code, permanent[code])
            return DeliveryError(f"slack {code}: {permanent[code]}", permanent=True)
        return DeliveryError(f"slack {code or status} on {what}")
    return DeliveryError(f"slack unreachable on {what}: {type(exc).__name__}")


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``…); empty when the answer is not Slack's JSON (a 503
    page while Slack itself is down)."""
    data = exc.response.data
    return str(data.get("error", "") or "") if isinstance(data, dict) else ""


def _seconds(value: Any) -> float:
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


class SlackMessenger:
    """Sends as the bot; ``client`` must point at the configured ``api_base_url``; ``invite_client``
    (default: ``client``) is the one with a rate-limit retry handler, for invitations."""

    platform = PLATFORM
    can_invite = True
    can_open_group = True

    def __init__(self, client: AsyncWebClient, invite_client: AsyncWebClient | None = None) -> None:
        self.client = client
        self.invite_client = invite_client or client

    async def _post(self, channel: str, reply: Reply, thread: str | None,
                    progress: Progress | None) -> SentMessage:
        """The reply's pages (``render_pages``), one post each, from the first one ``progress`` does
        not count: a retry never posts a page again."""
        progress = progress if progress is not None else Progress()
        extra: dict[str, Any] = {"thread_ts": thread} if thread else {}
        try:
            for page in render_pages(reply)[progress.parts:]:
                response = await self.client.chat_postMessage(channel=channel, **page, **extra)
                progress.advance(SentMessage(PLATFORM, response["channel"], response["ts"]))
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            raise delivery_error(exc, "chat.postMessage") from exc
        assert progress.first is not None
        if reply.image is not None:  # after the text: a refused picture must not resend the message
            try:
                await files.upload(self.client, progress.first.conversation, reply.image.as_file(), thread)
            except files.UploadFailed:
                pass  # logged with Slack's reason; the text, with every figure, was delivered
        return progress.first

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        """``chat.postMessage`` to the user id opens (or reuses) the bot's direct conversation."""
        return await self._post(to.user_id, reply, None, progress)

    async def send_group(self, to: GroupAddress, reply: Reply,
                         progress: Progress | None = None) -> SentMessage:
        """``conversations.open`` with the users (a group DM with the bot, the same one each time for
        the same people), then the reply's pages there."""
        if progress is not None and progress.first is not None and progress.parts >= len(render_pages(reply)):
            return progress.first
        try:
            opened = await self.client.conversations_open(users=",".join(to.user_ids))
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            raise delivery_error(exc, "conversations.open") from exc
        return await self._post(str(opened["channel"]["id"]), reply, None, progress)

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        return await self._post(channel.channel, reply, channel.thread, progress)

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        try:
            await self.client.chat_update(channel=sent.conversation, ts=sent.message_id, **render(reply))
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            raise delivery_error(exc, "chat.update") from exc

    async def delete(self, message: SentMessage) -> None:
        """``chat.delete`` of a message the bot posted; ``message_not_found`` (deleted already) is
        ``MessageGone``, ``cant_delete_message`` (not the bot's) a permanent ``DeliveryError``."""
        try:
            await self.client.chat_delete(channel=message.conversation, ts=message.message_id)
        except SlackApiError as exc:
            if error_code(exc) == "message_not_found":
                raise MessageGone("slack message_not_found: the message was deleted already") from exc
            raise delivery_error(exc, "chat.delete", PERMANENT | DELETE_REFUSALS) from exc
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise delivery_error(exc, "chat.delete") from exc

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        """Bring group members into a linked channel with ``conversations.invite``, in batches of
        ``INVITE_BATCH`` ids. Someone already there is success; with several ids ``force`` lets Slack
        invite the valid ones and list the others, which are logged."""
        user_ids = list(dict.fromkeys(m.user_id for m in members if m.platform == PLATFORM))
        for start in range(0, len(user_ids), INVITE_BATCH):
            await self._invite(channel.channel, user_ids[start:start + INVITE_BATCH])

    async def _invite(self, channel: str, user_ids: list[str]) -> None:
        what = f"conversations.invite to {channel}"
        try:
            response = await self.invite_client.conversations_invite(
                channel=channel, users=user_ids, force=True if len(user_ids) > 1 else None)
        except SlackApiError as exc:
            if error_code(exc) == "already_in_channel":
                return
            raise delivery_error(exc, what, PERMANENT | INVITE_REFUSALS) from exc
        except (SlackClientError, OSError, TimeoutError) as exc:
            raise delivery_error(exc, what) from exc
        for refused in response.get("errors") or []:
            code = refused.get("error", "")
            if code != "already_in_channel":
                explained = (PERMANENT | INVITE_REFUSALS).get(code, "")
                log.warning("slack %s: user %s not added: %s %s", what, refused.get("user"), code, explained)
