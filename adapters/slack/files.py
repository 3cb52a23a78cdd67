"""A reply's files — its picture (``core.messages.Image``, a chart) and its attachment (a member's
export) — into a Slack conversation: files upload v2.

Slack's own sequence, as ``AsyncWebClient.files_upload_v2`` runs it: ``files.getUploadURLExternal``
(file name and length) → the bytes POSTed to the upload URL it returned → ``files.completeUploadExternal``
(the file id, its title, the channel to share it in). The app needs the ``files:write`` scope
(``adapters/slack/manifest.py``).

A command's reply is ephemeral, and a file cannot be: the file goes to the member's direct
conversation with Parvis (``conversations.open``), never to the channel where they typed the command,
where everyone would see figures (or data) meant for them.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from core.errors import DeliveryError
from core.messages import Attachment

log = logging.getLogger(__name__)

#: what a refusal of the upload means for the admin
REFUSALS = {
    "missing_scope": "the app lacks files:write: reinstall it from the new manifest (parvis slack manifest)",
    "file_uploads_disabled": "the workspace does not allow file uploads",
    "file_uploads_except_images_disabled": "the workspace allows images only",
    "not_in_channel": "the bot is not in the conversation",
}


class UploadFailed(DeliveryError):
    """Slack did not take the file; ``code`` is Slack's error (or the exception's kind)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"slack did not take the file: {code}", permanent=True)
        self.code = code


async def upload(client: AsyncWebClient, channel: str, file: Attachment, thread: str | None = None) -> str:
    """Share ``file`` in ``channel`` (a conversation id); returns the file id."""
    try:
        response = await client.files_upload_v2(
            channel=channel, content=file.data, filename=file.name, title=file.description,
            alt_txt=file.description[:1000] if file.is_image else None, thread_ts=thread)
    except SlackApiError as exc:
        code = str(exc.response.get("error") or exc.response.status_code)
        log.warning("slack: a file was not uploaded to %s: %s %s", channel, code, REFUSALS.get(code, ""))
        raise UploadFailed(code) from exc
    except (SlackRequestError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("slack: a file was not uploaded to %s: %s", channel, type(exc).__name__)
        raise UploadFailed(type(exc).__name__) from exc
    return str((response.get("file") or {}).get("id", ""))


async def to_member(client: AsyncWebClient, user_id: str, file: Attachment) -> str:
    """Share ``file`` in the member's direct conversation with Parvis; returns the file id."""
    try:
        opened = await client.conversations_open(users=user_id)
    except SlackApiError as exc:
        raise UploadFailed(str(exc.response.get("error") or exc.response.status_code)) from exc
    except (SlackClientError, OSError, TimeoutError) as exc:
        raise UploadFailed(type(exc).__name__) from exc
    return await upload(client, str(opened["channel"]["id"]), file)
