"""Events API listeners: App Home and channel joins, each handled once per ``event_id``.

The work runs before the acknowledgement (events are quick), inside the core's inbound ledger
(``core.inbound.ledger.once``): a retry of an event already handled is acknowledged and dropped; if
the work fails, the claim is released and Bolt answers 500, so Slack's next retry does it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound
from adapters.slack.home import home_view
from core.commands import Action
from core.groups import lookup
from core.inbound import ledger

if TYPE_CHECKING:
    from adapters.slack.identity import Profiles
    from adapters.slack.settings import SlackConfig
    from core.commands.router import CommandRouter
    from core.messages import Reply
    from core.services import Services

log = logging.getLogger(__name__)


def event_key(body: dict[str, Any]) -> str:
    """The durable id of a delivery: Slack's ``event_id`` (stable across its retries)."""
    event = body.get("event") or {}
    return body.get("event_id") or f"{event.get('type')}:{event.get('event_ts')}"


class Host(Protocol):
    """What the listeners use of the Slack adapter. A protocol rather than ``SlackAdapter`` itself,
    because ``adapters.slack.app`` builds this module's ``Events``: the two must not import each other."""

    config: SlackConfig
    services: Services
    router: CommandRouter
    client: AsyncWebClient
    profiles: Profiles

    async def tell(self, body: dict[str, Any], reply: Reply, channel: str | None) -> None:
        """Show ``reply`` to the member behind ``body`` (privately, in ``channel`` when given)."""


class Events:
    def __init__(self, adapter: Host) -> None:
        self.adapter = adapter

    def listen(self, app: AsyncApp) -> None:
        app.event("app_home_opened")(self.on_home_opened)
        app.event("member_joined_channel")(self.on_member_joined)

    async def on_home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return

        async def work() -> None:
            actor = await self.adapter.profiles.actor(inbound.team_of(body), event["user"])
            view = await home_view(self.adapter.services, actor, self.adapter.config.command)
            await self.adapter.client.views_publish(user_id=event["user"], view=view)

        await ledger.once(self.adapter.services, inbound.PLATFORM, event_key(body), work)

    async def on_member_joined(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        """Someone joined a channel linked to groups: with ``join_group_on_channel_join`` they join
        those groups, as if they had clicked Join. A join Parvis itself caused (it invited a new group
        member) needs nothing more."""
        enabled = self.adapter.config.join_group_on_channel_join
        bot = context.get("bot_user_id")
        if not enabled or bot is not None and bot in (event.get("user"), event.get("inviter")):
            return

        async def work() -> None:
            team = event.get("team") or inbound.team_of(body)
            channel = event.get("channel", "")
            for slug in await lookup.linked_to(self.adapter.services, inbound.PLATFORM, team, channel):
                await self._join(team, event, slug)

        await ledger.once(self.adapter.services, inbound.PLATFORM, event_key(body), work)

    async def _join(self, team: str, event: dict[str, Any], slug: str) -> None:
        actor = await self.adapter.profiles.actor(team, event["user"])
        where = inbound.channel_ref(team, event.get("channel"))
        join = Action(actor=actor, action_id="group.join", value=slug, channel=where)
        reply = await self.adapter.router.act(join)
        if reply.error:
            log.info("slack: %s joined channel %s; not joining group %s: %s", event["user"],
                     event.get("channel"), slug, reply.text)
            return
        await self.adapter.tell({"user": {"id": event["user"]}}, reply, event.get("channel"))
