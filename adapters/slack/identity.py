"""Who a Slack user is: ``users.info`` once, then a cache.

A slash command carries only the user id. The member behind it is found by e-mail (the same person on
Teams is the same member), so the first time a user appears ``users.info`` gives their e-mail, real
name, time zone and locale (``fr-FR`` means French replies unless they chose ``lang``). The answer is
kept in memory, so the common command costs no API call. When Slack cannot be asked (rate limited,
down), a person Parvis already knows goes on with the user id alone (their identity resolves); a
person never seen is asked to try again (``IdentityUnavailable``) rather than becoming a member without
an e-mail, which would split them from their Teams or imported record for good.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from core.commands import Actor
from core.directory import identities
from core.directory import members as directory
from core.errors import ParvisFailure
from core.services import Services

log = logging.getLogger(__name__)

PLATFORM = "slack"
TTL_SECONDS = 6 * 3600
MAX_ENTRIES = 20_000


class IdentityUnavailable(ParvisFailure):
    """Slack could not say who a never-seen user is; the request should be tried again later."""


def actor_from_user(team: str, user: dict[str, Any]) -> Actor:
    """An ``Actor`` from a ``users.info`` user object."""
    profile = user.get("profile") or {}
    name = (profile.get("real_name") or user.get("real_name") or profile.get("display_name")
            or user.get("name"))
    return Actor(platform=PLATFORM, tenant=team, user_id=user["id"], email=profile.get("email") or None,
                 display_name=name or None, timezone=user.get("tz") or None,
                 locale=user.get("locale") or None)


class Profiles:
    """A bounded, time-limited cache of actors by (team, user id)."""

    def __init__(self, client: AsyncWebClient, services: Services, ttl: float = TTL_SECONDS,
                 size: int = MAX_ENTRIES) -> None:
        self.client = client
        self.services = services
        self.ttl = ttl
        self.size = size
        self._cache: OrderedDict[tuple[str, str], tuple[float, Actor]] = OrderedDict()
        self.lookups = 0

    def cached(self, team: str, user_id: str) -> Actor | None:
        entry = self._cache.get((team, user_id))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def remember(self, actor: Actor) -> None:
        self._cache[(actor.tenant, actor.user_id)] = (time.monotonic() + self.ttl, actor)
        self._cache.move_to_end((actor.tenant, actor.user_id))
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)

    def forget(self, team: str, user_id: str) -> None:
        self._cache.pop((team, user_id), None)

    async def interacting(self, team: str, user_id: str) -> Actor:
        """The actor of a click or a form on something Parvis sent: from the cache, else by the user
        id alone when Parvis knows the account (a message reached it, so it does, but for a form of
        a slash command typed by someone new), else from ``users.info``.

        Why: a campaign prompt reaches thousands at once and their clicks come within a minute;
        asking ``users.info`` (rate limited at about a hundred calls a minute) for each would stall
        them. The profile is refreshed at the member's next slash command."""
        found = self.cached(team, user_id)
        if found is not None:
            return found
        bare = Actor(platform=PLATFORM, tenant=team, user_id=user_id)
        if await directory.recognised(self.services, bare):  # its member kept for the router's resolve
            return bare
        return await self.actor(team, user_id)

    async def actor(self, team: str, user_id: str) -> Actor:
        """The actor for a user, from the cache or ``users.info``."""
        found = self.cached(team, user_id)
        if found is not None:
            return found
        try:
            self.lookups += 1
            response = await self.client.users_info(user=user_id, include_locale=True)
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            if not await identities.is_known(self.services, PLATFORM, team, user_id):
                log.warning("users.info for new user %s failed (%s): asking them to try again", user_id, exc)
                raise IdentityUnavailable(user_id) from exc
            log.warning("users.info for %s failed (%s): continuing with the user id only", user_id, exc)
            return Actor(platform=PLATFORM, tenant=team, user_id=user_id)
        found = actor_from_user(team, response["user"])
        self.remember(found)
        return found
