"""One inbound Teams turn: what the bot does with each kind of activity.

- ``message`` with text → a command through ``CommandRouter`` (same grammar as everywhere);
- ``message`` with a ``value`` (``Action.Submit``) → an ``Action``; after a successful answer the card
  that was clicked is updated in place (``update_activity``) so its buttons cannot be clicked twice;
- ``invoke`` ``adaptiveCard/action`` (``Action.Execute``) → an ``Action`` answered with the new card;
- ``invoke`` ``composeExtension/submitAction`` of "Report to moderators" → ``moderation.report``,
  answered in the dialog (a task ``message``); any other invoke gets an empty 200, as Teams expects;
- ``conversationUpdate`` / ``installationUpdate`` → the conversation reference is stored, so the
  person can be messaged proactively later;
- anything else is ignored (a silent 200).

Every turn stores the sender's contact (service URL, tenant, personal reference). Nothing here raises:
a failure is logged and the member gets the catalog's apology, never the exception text; a reply the
connector will not take is logged (``unanswered``) and the turn ends, its work done.
"""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, InvokeResponse
from msrest.exceptions import HttpOperationError

from adapters.teams import identity, inbound, outbound
from adapters.teams.downloads import Downloads
from adapters.teams.identity import MemberCache, MemberInfo
from adapters.teams.messenger import TeamsMessenger, delivery_error, encode
from adapters.teams.pictures import Pictures
from core import markup
from core.commands import Actor, Invocation
from core.commands.router import CommandRouter
from core.directory import members as directory
from core.i18n import Translator
from core.messages import Reply
from core.ports import SentMessage
from core.services import Services

log = logging.getLogger(__name__)

CARD_ACTION = "adaptiveCard/action"
#: a message action's submission: "Report to moderators" (``adapters.teams.package``)
SUBMIT_ACTION = "composeExtension/submitAction"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ERROR_TYPE = "application/vnd.microsoft.error"
CONTACT_EVENTS = frozenset({"conversationUpdate", "installationUpdate"})
MAX_MEMBERS_ADDED = 50


def unanswered(activity: Activity, what: str, exc: Exception) -> None:
    """An activity Teams will get no reply to: logged with its id and conversation, never its text.

    The HTTP answer stays 2xx: the channel must not resend a message whose work was done (a command
    run twice). Issue 12 will retry such replies through the outbox; until then this warning is how an
    operator learns of them. The exception's message is the connector's or Microsoft login's (a status,
    an ``AADSTS…`` code), not the member's."""
    conversation = activity.conversation.id if activity.conversation is not None else None
    reason = delivery_error(exc).reason if isinstance(exc, HttpOperationError) else type(exc).__name__
    log.warning("teams: activity %s in conversation %s %s: %s (%.200s)", activity.id, conversation, what,
                reason, exc)


class TurnHandler:
    def __init__(self, router: CommandRouter, services: Services, messenger: TeamsMessenger,
                 pictures: Pictures | None = None, downloads: Downloads | None = None) -> None:
        self.router, self.services, self.messenger = router, services, messenger
        self.pictures = pictures or Pictures(services, None)
        self.downloads = downloads or Downloads(services, None)
        self.members = MemberCache()

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        try:
            if activity.type == "message":
                await self._message(context)
            elif activity.type == "invoke":
                await self._invoke(context)
            elif activity.type in CONTACT_EVENTS and activity.from_property is not None:
                await self._contact(context)
                await self._members_added(context)
        except Exception:
            log.exception("teams: %s turn failed", activity.type)
            await self._apologise(context)

    async def _message(self, context: TurnContext) -> None:
        activity = context.activity
        actor = await self._contact(context)
        if activity.value is not None:
            return await self._submitted(context, actor)
        replacements = await self._mentions(context)
        text = inbound.command_text(activity, replacements)
        reply = await self.router.handle(Invocation(actor, text, inbound.channel_of(activity)))
        await self._send(context, reply)

    async def _submitted(self, context: TurnContext, actor: Actor) -> None:
        activity = context.activity
        data = inbound.submission(activity)
        message = self._clicked(activity)
        action = inbound.action_of(actor, data, channel=inbound.channel_of(activity),
                                   message=message) if data is not None else None
        if action is None:
            words = Translator(await directory.locale_of(self.services, actor))
            refusal = Reply(text=words("teams.bad_submission"), error=True, locale=words.locale)
            return await self._send(context, refusal)
        reply = await self.router.act(action)
        updatable = message is not None and not reply.error and not reply.silent
        if updatable and message is not None and await self._update(context, message, reply):
            return
        await self._send(context, reply)

    async def _invoke(self, context: TurnContext) -> None:
        activity = context.activity
        if activity.name == SUBMIT_ACTION:
            return await self._report(context)
        if activity.name != CARD_ACTION:
            return await self._answer(context, 200, None)
        actor = await self._contact(context)
        data = inbound.submission(activity)
        action = inbound.action_of(actor, data, channel=inbound.channel_of(activity),
                                   message=self._clicked(activity)) if data is not None else None
        if action is None:
            locale = await directory.locale_of(self.services, actor)
            message = Translator(locale, plain=True)("teams.bad_submission")
            return await self._answer(context, 200, {"statusCode": 400, "type": ERROR_TYPE, "value": {
                "code": "BadRequest", "message": message}})
        reply = await self.router.act(action)
        if reply.silent:
            return await self._answer(context, 200, None)
        await self._answer(context, 200, {"statusCode": 200, "type": CARD_TYPE,
                                          "value": outbound.card_of(reply)})

    async def _report(self, context: TurnContext) -> None:
        """"Report to moderators" submitted: the report is filed and the dialog shows the answer (a
        task ``message``, plain text), as Teams expects of a message action's submission."""
        actor = await self._contact(context)
        action = inbound.report_of(actor, context.activity)
        if action is None:
            words = Translator(await directory.locale_of(self.services, actor))
            reply = Reply(text=words("teams.bad_submission"), error=True, locale=words.locale)
        else:
            reply = await self.router.act(action)
        await self._answer(context, 200, {"task": {"type": "message", "value": markup.plain(reply.text)}})

    async def _contact(self, context: TurnContext) -> Actor:
        """The sender as an ``Actor``, with their contact stored for proactive messages."""
        activity = context.activity
        tenant = inbound.tenant_of(activity)
        self.messenger.learn(tenant, activity.service_url)
        sender = activity.from_property
        info = await self._member(context, sender.id) if sender and sender.id else MemberInfo(None, None)
        actor = inbound.actor_of(activity, email=info.email, name=info.name)
        await identity.remember(self.services, actor, identity.contact_of(activity, tenant))
        return actor

    async def _members_added(self, context: TurnContext) -> None:
        """People added to a team or chat with the bot: keep how to reach them (joined by e-mail to the
        member they may already be on Slack or in the directory), so they can be messaged later."""
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        tenant = inbound.tenant_of(activity)
        for account in (activity.members_added or [])[:MAX_MEMBERS_ADDED]:
            if not account.id or account.id == bot_id or account.id == activity.from_property.id:
                continue
            info = await self._member(context, account.id)
            aad = account.aad_object_id or info.aad_object_id
            if not aad or not info.email:
                continue  # without an e-mail it would be a new, unconnected member: wait until they speak
            actor = Actor(platform=inbound.PLATFORM, tenant=tenant, user_id=aad, email=info.email,
                          display_name=info.name or account.name)
            await identity.remember(self.services, actor, {"service_url": activity.service_url,
                                                           "tenant_id": tenant, "user": {"id": account.id}})

    async def _member(self, context: TurnContext, member_id: str) -> MemberInfo:
        """E-mail and name from ``TeamsInfo.get_member``, cached; nothing when Teams will not say."""
        key = (inbound.tenant_of(context.activity), member_id)
        info = self.members.get(key)
        if info is None:
            try:
                member = await TeamsInfo.get_member(context, member_id)
                info = MemberInfo(member.email or member.user_principal_name, member.name,
                                  member.aad_object_id)
            except Exception as exc:  # the connector may refuse (emulator, guest, bot removed)
                log.info("teams: no member details for %s: %s", member_id, type(exc).__name__)
                info = MemberInfo(None, None)
            self.members.put(key, info)
        return info

    async def _mentions(self, context: TurnContext) -> dict[str, str]:
        found: dict[str, str] = {}
        for member_id, text in inbound.mentioned(context.activity)[:10]:
            info = await self._member(context, member_id)
            if info.email:
                found[text] = info.email
        return found

    def _clicked(self, activity: Activity) -> SentMessage | None:
        if not activity.reply_to_id or activity.conversation is None:
            return None
        return SentMessage(inbound.PLATFORM, encode(activity.service_url, activity.conversation.id),
                           activity.reply_to_id)

    async def _update(self, context: TurnContext, message: SentMessage, reply: Reply) -> bool:
        """Replace the clicked card with the answer; ``False`` when Teams would not (then send)."""
        update = outbound.activities(reply)[0]
        update.id = message.message_id
        try:
            await context.update_activity(update)
        except Exception as exc:  # an old or foreign message: answer with a new one instead
            log.info("teams: could not update %s: %s", message.message_id, type(exc).__name__)
            return False
        return True

    async def _send(self, context: TurnContext, reply: Reply) -> None:
        if reply.silent:  # nothing to say (a pilot's outsider, told once already): no activity
            return
        url = await self.pictures.url_of(reply.image) if reply.image is not None else None
        link = (await self.downloads.url_of(reply.attachment, reply.locale)
                if reply.attachment is not None else None)
        for activity in outbound.activities(reply, url, link):
            try:
                await context.send_activity(activity)
            except Exception as exc:  # the connector refused or is unreachable: the turn's work is done
                unanswered(context.activity, "handled, reply not delivered", exc)
                return

    async def _answer(self, context: TurnContext, status: int, body: Any) -> None:
        await context.send_activity(Activity(type="invokeResponse",
                                             value=InvokeResponse(status=status, body=body)))

    async def _apologise(self, context: TurnContext) -> None:
        try:
            if context.activity.type == "invoke":
                await self._answer(context, 200, None)
            else:
                known = directory.known_locale(self.services, inbound.actor_of(context.activity))
                apology = Translator(known)("errors.internal")  # nothing awaited: the turn just failed
                await context.send_activity(outbound.text_message(outbound.to_markdown(apology, code=True)))
        except Exception:
            log.exception("teams: could not even apologise")
