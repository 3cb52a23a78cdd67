"""The workspaces the Slack app serves (``[slack] allowed_teams``), and the check on every request.

A request Slack signed can still come from people Parvis must not serve: a user of another
organisation in a shared (Slack Connect) channel, or another workspace the app was installed in. And
``users.info`` reports the e-mail *their* administrators set. So a Bolt global middleware — it runs
after the signature check and the authorisation, before any listener, over HTTP and Socket Mode
alike — lets a command, click, form submission or event through only when every workspace it names
(``team_id``, ``team.id``, ``user.team_id``, ``view.team_id``, ``event.team``, ``event.user_team``) is
allowed, and it names at least one. Otherwise nothing runs: over HTTP the answer is a 403; over Socket
Mode the envelope is acknowledged (so Slack does not redeliver it) and dropped. Either way a log line
names the workspace. The same set is declared to the core (``core.directory.tenancy``), which refuses
such an account again where it would become a member.

The default is the workspace ``auth.test`` reports for the bot token, asked at start (and, if Slack
could not be reached then, before the first request). Workspace ids are what identities are keyed
by; an Enterprise Grid organisation's id (``enterprise_id``) names no workspace, so an app installed on
a whole organisation lists its workspaces, and the start says so when it does not.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import PLATFORM
from core.directory.tenancy import Tenancy
from core.errors import ConfigError

log = logging.getLogger(__name__)


def teams_named(body: dict[str, Any]) -> set[str]:
    """Every workspace id a payload names (slash command, interaction, view submission, event)."""
    found: set[Any] = {body.get("team_id")}
    team = body.get("team")
    found.add(team.get("id") if isinstance(team, dict) else team)
    for part in ("user", "view"):
        value = body.get(part)
        if isinstance(value, dict):
            found.add(value.get("team_id"))
    event = body.get("event")
    if isinstance(event, dict):
        found |= {event.get("team"), event.get("user_team")}
        if isinstance(event.get("user"), dict):
            found.add(event["user"].get("team_id"))
    return {str(team) for team in found if isinstance(team, str) and team}


class Workspaces:
    """The allowed workspaces: ``[slack] allowed_teams``, else learnt from ``auth.test``."""

    def __init__(self, listed: list[str] | None, tenancy: Tenancy, client: AsyncWebClient) -> None:
        self.tenancy, self.client = tenancy, client
        #: whether the set is known (listed, or ``auth.test`` answered); until then nobody is allowed
        self.known = bool(listed)
        tenancy.allow(PLATFORM, listed or ())

    async def learn(self) -> None:
        """The default: the workspace of the bot token, as ``auth.test`` reports it."""
        if self.known:
            return
        response = await self.client.auth_test()
        self.learn_host(response.get("url"))
        team = response.get("team_id")
        if response.get("is_enterprise_install") or not isinstance(team, str) or not team.startswith("T"):
            raise ConfigError(
                f"[slack] allowed_teams: the bot token belongs to a whole Enterprise Grid organisation "
                f"({response.get('enterprise_id') or team}), not to one workspace: list the ids of the "
                "workspaces Parvis serves")
        self.tenancy.allow(PLATFORM, [team])
        self.known = True
        log.info("slack: serving workspace %s (%s), the bot token's; set [slack] allowed_teams to serve "
                 "others", team, response.get("team"))

    def learn_host(self, url: Any) -> None:
        """The web address of a served workspace (``https://acme.slack.com/``), so message links to
        it are recognised (``core.moderation.links``)."""
        if isinstance(url, str) and (host := urlsplit(url).hostname):
            self.tenancy.allow_host(PLATFORM, host)

    async def start(self) -> None:
        """Learn the default at start (and the listed workspace's address); if Slack cannot be
        reached, the first request tries again."""
        try:
            if self.known:
                self.learn_host((await self.client.auth_test()).get("url"))
            await self.learn()
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("slack: auth.test failed (%s): requests wait for it to answer", exc)

    async def refusal(self, body: dict[str, Any], mode: str = "http") -> int | None:
        """``None`` for a payload from an allowed workspace, else the HTTP status that refuses it
        (503 while the workspaces served are not known yet, 403 for another workspace; Socket Mode:
        200, acknowledged so Slack does not redeliver it, and dropped)."""
        if not self.known:
            try:
                await self.learn()
            except (SlackApiError, SlackClientError, OSError, TimeoutError, ConfigError) as exc:
                log.error("slack: refused a request: the workspaces served are not known (%s)", exc)
                return 503
        if body.get("type") == "url_verification" or body.get("ssl_check") == "1":
            return None  # Slack's own checks of the endpoint: no workspace, and Bolt answers them first
        named = teams_named(body)
        if named and all(self.tenancy.allows(PLATFORM, team) for team in named):
            return None
        log.warning("slack: refused a request from workspace %s: not in [slack] allowed_teams",
                    ", ".join(sorted(named)) or "(none named)")
        return 200 if mode == "socket_mode" else 403

    async def middleware(self, req: AsyncBoltRequest, body: dict[str, Any],
                         next: Callable[[], Awaitable[Any]]) -> BoltResponse | None:  # noqa: A002 (Bolt's name)
        """Bolt global middleware, for Socket Mode (over HTTP, ``SlackAdapter.handle_http`` asks
        ``refusal`` before Bolt runs, saving Bolt a middleware call on every request)."""
        status = await self.refusal(body, req.mode)
        if status is None:
            await next()
            return None
        return BoltResponse(status=status, body="")
