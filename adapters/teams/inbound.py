"""A Teams activity → ``Actor``, command text, ``Invocation`` or ``Action``.

Pure functions over botbuilder's ``Activity``: no network. The app (``adapters/teams/app.py``) adds
what needs the connector (the member's e-mail from ``TeamsInfo.get_member``) before calling these.

Teams sends a command as a message to the bot in a personal chat, or as a message that @mentions the
bot in a channel or group chat (``<at>Parvis</at> group list``). The bot's mention is removed; other
people's mentions are replaced by their e-mail when the app knows it, so ``role grant admin <at>Ana</at>``
names Ana on every platform. A card's ``Action.Submit`` comes back as a message whose ``value`` holds
``{"action_id": …, "value": …, "in.<input>": …}``; ``Action.Execute`` as an ``adaptiveCard/action``
invoke with the same data. Anything else in a submission is refused, never trusted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import available_timezones

from botbuilder.schema import Activity

from adapters.teams.package import REPORT_ACTION
from core.commands import Action, Actor
from core.ports import ConversationRef, SentMessage

PLATFORM = "teams"
INPUT_PREFIX = "in."
MAX_ACTION_ID = 200
MAX_VALUE = 4000
MAX_INPUTS = 40

_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<(?:/?p|br\s*/?|/?div|/?span[^>]*)>", re.IGNORECASE)


def malformed(activity: Activity) -> str | None:
    """What ``activity`` lacks to be a turn, or ``None``: every turn reads who sent it (``from``), in
    which conversation, to which bot (``recipient``) and where to answer (``serviceUrl``). Without
    them a turn failed half-way, after writing a member named "unknown" with an empty tenant."""
    url = activity.service_url
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
        return "no http(s) serviceUrl"
    for name, account in (("conversation", activity.conversation), ("from", activity.from_property),
                          ("recipient", activity.recipient)):
        if account is None or not isinstance(account.id, str) or not account.id.strip():
            return f"no {name} id"
    return None


def tenant_of(activity: Activity) -> str:
    """``channelData.tenant.id`` (botbuilder drops ``conversation.tenantId``), else the conversation's."""
    data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), Mapping) else {}
    found = tenant.get("id") if tenant else None
    if not found and activity.conversation is not None:
        found = activity.conversation.tenant_id
    return str(found or "")


def actor_of(activity: Activity, *, email: str | None = None, name: str | None = None) -> Actor:
    """The sender: AAD object id and tenant identify them; e-mail joins their other platforms."""
    sender = activity.from_property
    user_id = (sender.aad_object_id or sender.id) if sender else "unknown"
    return Actor(platform=PLATFORM, tenant=tenant_of(activity), user_id=str(user_id),
                 email=email.strip().lower() if email else None,
                 display_name=name or (sender.name if sender else None),
                 timezone=timezone_of(activity), locale=activity.locale or None)


def timezone_of(activity: Activity) -> str | None:
    """The IANA zone the Teams client reports in its ``clientInfo`` entity, if it is a real one."""
    for entity in activity.entities or []:
        zone = (entity.additional_properties or {}).get("timezone") if entity.type == "clientInfo" else None
        if isinstance(zone, str) and zone in _zones():
            return zone
    return None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def channel_of(activity: Activity) -> ConversationRef | None:
    """A channel or group chat as a ``ConversationRef``; ``None`` for a personal chat."""
    conversation = activity.conversation
    if conversation is None or conversation.conversation_type in (None, "personal"):
        return None
    base, _, thread = (conversation.id or "").partition(";messageid=")
    return ConversationRef(PLATFORM, tenant_of(activity), base, thread or None)


def mentioned(activity: Activity) -> list[tuple[str, str]]:
    """``(id, mention text)`` of every mention entity except the bot's own."""
    bot_id = activity.recipient.id if activity.recipient else None
    found = []
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        if entity.type != "mention" or not isinstance(props.get("mentioned"), Mapping):
            continue
        who = props["mentioned"].get("id")
        if who and who != bot_id and isinstance(props.get("text"), str):
            found.append((str(who), props["text"]))
    return found


def command_text(activity: Activity, replacements: Mapping[str, str] | None = None) -> str:
    """The command typed: bot mention removed, other mentions replaced (``<at>Ana</at>`` → e-mail)."""
    text = activity.text if isinstance(activity.text, str) else ""
    for mention_text, replacement in (replacements or {}).items():
        text = text.replace(mention_text, replacement)
    bot_name = activity.recipient.name if activity.recipient else None
    text = _AT.sub(lambda m: " " if _is_bot(m.group(1), bot_name) else m.group(0), text)
    text = html.unescape(_TAGS.sub(" ", text)).replace("\xa0", " ")
    return text.strip()


def _is_bot(inner: str, bot_name: str | None) -> bool:
    return bool(bot_name) and inner.strip().casefold() == (bot_name or "").strip().casefold()


def submission(activity: Activity) -> Mapping[str, Any] | None:
    """The data of a card submission (message ``value`` or ``adaptiveCard/action`` invoke)."""
    value = activity.value
    if activity.type == "invoke":
        action = value.get("action") if isinstance(value, Mapping) else None
        value = action.get("data") if isinstance(action, Mapping) else None
    return value if isinstance(value, Mapping) else None


def action_of(actor: Actor, data: Mapping[str, Any], *, channel: ConversationRef | None = None,
              message: SentMessage | None = None) -> Action | None:
    """The ``Action`` a submission carries, or ``None`` when its fields are missing or malformed."""
    action_id = data.get("action_id")
    if not isinstance(action_id, str) or not action_id.strip() or len(action_id) > MAX_ACTION_ID:
        return None
    value = _scalar(data.get("value", ""))
    inputs = {key[len(INPUT_PREFIX):]: _scalar(item) for key, item in data.items()
              if isinstance(key, str) and key.startswith(INPUT_PREFIX)}
    if value is None or None in inputs.values() or len(inputs) > MAX_INPUTS:
        return None
    return Action(actor=actor, action_id=action_id.strip(), value=value,
                  values={key: item for key, item in inputs.items() if item is not None},
                  channel=channel, message=message)


def _scalar(item: Any) -> str | None:
    """A submitted value as text; nested objects are not something our cards send."""
    if item is None:
        return ""
    if isinstance(item, bool) or not isinstance(item, str | int | float):
        return None
    text = str(item)
    return text if len(text) <= MAX_VALUE else None


TEAMS_LINK = "https://teams.microsoft.com/l/message/{conversation}/{message}?tenantId={tenant}"


def report_of(actor: Actor, activity: Activity) -> Action | None:
    """A ``composeExtension/submitAction`` of "Report to moderators" → the core's ``moderation.report``:
    the message's link (Teams' ``linkToMessage``, else built from the conversation and message ids),
    its author's AAD object id when a person wrote it, and the reason typed. ``None`` for another
    command or a payload without a message."""
    value = activity.value if isinstance(activity.value, Mapping) else {}
    message = value.get("messagePayload")
    if value.get("commandId") != REPORT_ACTION or not isinstance(message, Mapping):
        return None
    link = _scalar(message.get("linkToMessage")) or ""
    message_id = _scalar(message.get("id")) or ""
    if not link and message_id and activity.conversation is not None:
        link = TEAMS_LINK.format(conversation=quote(activity.conversation.id.partition(";")[0], safe=""),
                                 message=quote(message_id, safe=""), tenant=quote(actor.tenant, safe=""))
    if not link:
        return None
    person = _mapping(_mapping(message.get("from")).get("user"))
    reason = _scalar(_mapping(value.get("data")).get("reason")) or ""
    return Action(actor=actor, action_id="moderation.report", value=link[:MAX_VALUE],
                  values={"author": (_scalar(person.get("id")) or "")[:255], "reason": reason[:MAX_VALUE]},
                  channel=channel_of(activity))


def _mapping(item: Any) -> Mapping[str, Any]:
    return item if isinstance(item, Mapping) else {}
