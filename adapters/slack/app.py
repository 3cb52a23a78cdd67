"""Wiring: the Bolt ``AsyncApp``, its listeners, the ``/slack/events`` route and Socket Mode.

Acknowledging fast: Bolt runs with ``process_before_response=True``, so the HTTP answer leaves as soon
as the listener returns, without the 10 ms ack polling of the default mode. Each listener starts the
core's work as a task and waits for it at most ``QUICK_SECONDS``: a quick command is answered in the
acknowledgement itself (ephemeral), a slow one is acknowledged with "working on it" and answered later
through ``respond``. The work is never cancelled, so nothing is lost when it is slow.

``bots/bootstrap.py`` calls ``build_platform(settings, services, registry)`` when ``[slack]`` has a bot token.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.platform import Platform
from adapters.slack import files, inbound, ingress, outbound
from adapters.slack.clients import secret, web_client
from adapters.slack.events import Events
from adapters.slack.identity import IdentityUnavailable, Profiles
from adapters.slack.messenger import SlackMessenger
from adapters.slack.settings import SlackConfig
from adapters.slack.workspaces import Workspaces
from core import markup
from core.commands.memory import Prepared
from core.commands.router import CommandRouter
from core.directory import members as directory
from core.i18n import Translator
from core.messages import Reply
from core.registry import Registry
from core.services import Services

log = logging.getLogger(__name__)

QUICK_SECONDS = 2.0
#: clicks worked on at once (their acknowledgements never wait): about the database pool's size, so
#: that a burst of thousands queues here, in order, rather than for a connection (which gives up)
CLICKS_AT_ONCE = 8
EVENTS_PATH = "/slack/events"
BODY_TYPES = ("application/x-www-form-urlencoded", "application/json")
ANY = re.compile(".+")


class SlackAdapter:
    """The Bolt app and everything it needs; one per process."""

    def __init__(self, config: SlackConfig, services: Services, router: CommandRouter) -> None:
        self.config = config
        self.services = services
        self.router = router
        self.client = web_client(config, interactive=True)
        self.messenger = SlackMessenger(web_client(config, interactive=False), invite_client=self.client)
        self.profiles = Profiles(self.client, services)
        self.tasks: set[asyncio.Task[Any]] = set()
        self._clicks: asyncio.Semaphore | None = None  # made in the running loop, on first use
        self._turns = Turns()
        self.http: aiohttp.ClientSession | None = None  # while running: ``_share_http``
        self.acks = outbound.SerializedAcks()
        signing = secret(config.signing_secret)
        # the signature is checked in handle_http before Bolt parses anything (ingress.py), so Bolt's
        # own check, which logs the body of every request it refuses, is off
        self.verifier = SignatureVerifier(signing) if signing else None
        self.app = AsyncApp(client=self.client, signing_secret=signing or "",
                            request_verification_enabled=False, process_before_response=True, name="parvis")
        self.events = Events(self)
        self.workspaces = Workspaces(config.allowed_teams, services.tenancy, self.client)
        self.socket: Any = None
        self._listen()

    # ----------------------------------------------------------------- wiring
    def _listen(self) -> None:
        if self.config.socket_mode:  # over HTTP, handle_http refuses other workspaces before Bolt runs
            self.app.middleware(self.workspaces.middleware)
        for name in [self.config.command, *self.config.aliases]:
            self.app.command(name)(self.on_command)
        self.app.action(ANY)(self.on_action)
        self.app.message_shortcut(inbound.REPORT_SHORTCUT)(self.on_report)
        self.app.view_submission(ANY)(self.on_submit)
        self.events.listen(self.app)

    def install(self, app: web.Application) -> None:
        """Mount ``POST /slack/events`` (commands, interactivity and events on one URL)."""
        app.router.add_post(EVENTS_PATH, self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        """The signature first, then the body's shape, then its workspace, then Bolt
        (``adapters/slack/ingress.py``, ``workspaces.py``): an unsigned request is a 401 whatever its
        body, a malformed signed one a 400, one from another workspace a 403; none is logged with its
        body."""
        if request.content_type not in BODY_TYPES:
            return web.json_response({"error": "expected a form or JSON body"}, status=415)
        raw = await request.read()
        refused = (ingress.unsigned(self.verifier, request.headers, raw) if self.verifier
                   else "no signing secret configured")
        if refused is not None:
            log.info("slack: request refused (%s; %d bytes)", refused, len(raw))
            return web.json_response({"error": "invalid request"}, status=401)
        body = ingress.parsed(raw, request.content_type)
        if body is None:
            log.info("slack: signed request refused (malformed %s body; %d bytes)", request.content_type,
                     len(raw))
            return web.json_response({"error": "malformed body"}, status=400)
        if (status := await self.workspaces.refusal(body)) is not None:
            return web.Response(status=status)
        return await to_aiohttp_response(await self.app.async_dispatch(
            bolt_request(raw.decode("utf-8"), body, request.query_string, request.headers)))

    async def start(self) -> None:
        """Open the HTTP connections' pool, learn the workspace served (``auth.test``), then connect to
        Socket Mode when configured (the app token opens the WebSocket)."""
        self._share_http(aiohttp.ClientSession())
        try:
            await self.workspaces.start()
        except BaseException:  # a refused configuration: the process will not serve
            await self._close_http()
            raise
        if not (self.config.socket_mode and self.config.app_token):
            return
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self.socket = AsyncSocketModeHandler(self.app, secret(self.config.app_token), web_client=self.client)
        await self.socket.connect_async()
        log.info("slack: connected in Socket Mode")

    async def stop(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()
            self.socket = None
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=10)
        await self._close_http()

    async def _close_http(self) -> None:
        if self.http is not None:
            http = self.http
            self._share_http(None)
            await http.close()

    def _share_http(self, http: aiohttp.ClientSession | None) -> None:
        """One pool of keep-alive connections for every call to Slack while the adapter runs.

        Why: without a session of its own, the SDK opens a new session, and so a new TCP and TLS
        connection, for every Web API call and every ``response_url`` post; answering a burst of
        clicks or sending a campaign round is then mostly handshakes, on both sides."""
        self.http = http
        for client in (self.client, self.messenger.client, self.messenger.invite_client):
            client.session = http

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        await self.start()
        yield
        await self.stop()

    # ----------------------------------------------------------- helpers
    def later(self, work: Awaitable[Any]) -> None:
        """Run ``work`` after the acknowledgement, keeping a reference until it ends."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack: background work failed", exc_info=task.exception())

    def t(self, locale: str | None) -> Translator:
        return Translator(locale or self.services.settings.i18n.default_locale)

    async def quick(self, work: Callable[[], Awaitable[Reply]]) -> asyncio.Task[Reply] | Reply:
        """The reply if ``work`` ends within ``QUICK_SECONDS``, else the still running task."""
        task = asyncio.ensure_future(self._unless_unknown(work))
        done, _ = await asyncio.wait({task}, timeout=QUICK_SECONDS)
        return task.result() if done else task

    async def _unless_unknown(self, work: Callable[[], Awaitable[Reply]]) -> Reply:
        """``work``'s reply, or "try again" when Slack cannot say who a new user is."""
        try:
            return await work()
        except IdentityUnavailable:  # nobody known to speak to: the default language
            words = self.t(None)
            return Reply(text=words("slack.errors.identity_unavailable"), error=True, locale=words.locale)

    # ------------------------------------------------------------ commands
    async def on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        team = inbound.team_of(body)
        prepared = self._prepared(team, body)
        remembered = self.router.remembered(prepared) if prepared is not None else None
        if remembered is not None and remembered.form is None:
            kind = "in_channel" if remembered.visibility == "public" else "ephemeral"
            first, rest = self.acks.of(remembered, kind)
            await ack(first)  # Bolt sends a string acknowledgement as it is: here, the JSON of the page
            if rest:
                self.later(self._respond_pages(respond, rest, kind))
            return

        async def run() -> Reply:
            if prepared is not None:  # the core already knows who and what: it carries on from there
                return await self.router.run(prepared)
            actor = await self.profiles.actor(team, body.get("user_id", ""))
            return await self.router.handle(inbound.invocation(actor, body, self.config.command))

        outcome = remembered or await self.quick(run)
        if not isinstance(outcome, asyncio.Task):
            outcome = self._noted(outcome)
        if isinstance(outcome, asyncio.Task):
            working = self.t(prepared.who.locale if prepared is not None
                             else self._locale_of(team, body.get("user_id", "")))("slack.working")
            await ack(text=outbound.to_mrkdwn(working), response_type="ephemeral")
            self.later(self._respond_when_done(outcome, respond, body.get("user_id", "")))
            return
        if outcome.silent:  # nothing to say (a pilot's outsider, told once already): an empty ack
            await ack()
            return
        if await self._open_form(body.get("trigger_id"), outcome, body.get("channel_id")):
            await ack()
            return
        kind = "in_channel" if outcome.visibility == "public" else "ephemeral"
        if prepared is not None and prepared.key is not None:
            # a reply the router may keep: rendered and encoded once, for this ack and the repeats
            # answered from memory (``help``'s reply is even the same object from one run to the next)
            first, rest = self.acks.of(outcome, kind)
            await ack(first)
        else:
            first_page, *rest = outbound.render_pages(outcome)
            await ack(response_type=kind, **first_page)
        if rest:
            self.later(self._respond_pages(respond, rest, kind))
        if outcome.image is not None or outcome.attachment is not None:
            self.later(self._share_files(body.get("user_id", ""), outcome, respond))

    def _locale_of(self, team: str, user: str) -> str | None:
        """The language of words said before the core has answered, without waiting for anything."""
        actor = self.profiles.cached(team, user)
        return directory.known_locale(self.services, actor) if actor is not None else None

    def _prepared(self, team: str, body: dict[str, Any]) -> Prepared | None:
        """The command made ready by the core when Slack's user is known to this process (the common
        case: no ``users.info``, no database, nothing awaited before the ack); ``None`` otherwise."""
        actor = self.profiles.cached(team, body.get("user_id", ""))
        if actor is None:
            return None
        return self.router.prepare(inbound.invocation(actor, body, self.config.command))

    async def _respond_when_done(self, task: asyncio.Task[Reply], respond: Any, user: str = "") -> None:
        reply = self._noted(await task)
        if reply.silent:
            return
        kind = "in_channel" if reply.visibility == "public" else "ephemeral"
        await self._respond_pages(respond, outbound.render_pages(reply), kind)
        if reply.image is not None or reply.attachment is not None:
            await self._share_files(user, reply, respond)

    def _noted(self, reply: Reply) -> Reply:
        """A reply with a picture or a file says where it goes: a file cannot be ephemeral, so it
        follows in the member's direct messages (``adapters.slack.files``)."""
        t = self.t(reply.locale)
        notes = ([t("slack.chart_follows")] if reply.image is not None else []) + (
            [t("slack.file_follows", name=reply.attachment.name)] if reply.attachment is not None else [])
        if not notes:
            return reply
        return replace(reply, context="\n".join(([reply.context] if reply.context else []) + notes))

    async def _share_files(self, user: str, reply: Reply, respond: Any) -> None:
        """Upload the reply's picture and file to the member's direct conversation with Parvis; if
        Slack will not take one, tell them so (ephemeral) rather than leave them waiting for it."""
        shared = ([(reply.image.as_file(), "slack.chart_failed")] if reply.image is not None else []) + (
            [(reply.attachment, "slack.file_failed")] if reply.attachment is not None else [])
        for file, refusal in shared:
            try:
                await files.to_member(self.client, user, file)
            except files.UploadFailed as failed:
                words = self.t(reply.locale)(refusal, reason=failed.code)
                await respond(response_type="ephemeral", replace_original=False,
                              text=outbound.to_mrkdwn(words))

    async def _respond_pages(self, respond: Any, pages: list[dict[str, Any]], kind: str) -> None:
        """Post ``pages`` to the request's ``response_url`` (Bolt's ``respond``), through the adapter's
        connections when it runs."""
        url = getattr(respond, "response_url", None)
        for page in pages:
            if self.http is None or not url:
                await respond(response_type=kind, replace_original=False, **page)
                continue
            webhook = AsyncWebhookClient(url=url, proxy=respond.proxy, ssl=respond.ssl, session=self.http)
            await webhook.send_dict({"response_type": kind, "replace_original": False, **page})

    async def _open_form(self, trigger_id: str | None, reply: Reply, channel: str | None) -> bool:
        """Open the reply's form as a modal; ``False`` when Slack refuses (expired trigger…)."""
        if not trigger_id or reply.form is None:
            return False
        intro = reply.text if reply.text != reply.form.title else ""
        try:
            view = outbound.modal(reply.form, channel, intro)
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except Exception as exc:  # any refusal: the reply is shown as text instead
            log.warning("slack: views.open failed (%s); showing the form's text instead", exc)
            return False
        return True

    # ------------------------------------------------------- interactivity
    async def on_action(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """A button click: acknowledged at once, before any work (Slack shows nothing for the
        acknowledgement of a click, and waits for it at most 3 s: when thousands answer a campaign
        at 9:00, the clicks' work queues, never their acknowledgements). The reply follows through
        ``respond``; a form it opens, through ``views.open`` while the click's trigger lives."""
        team = inbound.team_of(body)

        async def run() -> Reply:
            actor = await self.profiles.interacting(team, (body.get("user") or {}).get("id", ""))
            return await self.router.act(inbound.click(actor, body))

        await ack()
        self.later(self._answer_click(self._unless_unknown(run), body, respond))

    async def on_report(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """The "Report to moderators" message shortcut: acknowledged at once like a click, the report
        then filed and the reporter told, ephemerally, where they clicked. The payload's workspace
        passed the door, so its address is one of a served workspace: links to it are recognised from
        now on."""
        team = inbound.team_of(body)
        if host := inbound.workspace_host(body):
            self.workspaces.learn_host(f"https://{host}/")

        async def run() -> Reply:
            actor = await self.profiles.actor(team, (body.get("user") or {}).get("id", ""))
            return await self.router.act(inbound.report(actor, body))

        await ack()
        self.later(self._answer_click(run(), body, respond))

    async def _answer_click(self, work: Awaitable[Reply], body: dict[str, Any], respond: Any) -> None:
        """Work on a click after its acknowledgement: one person's clicks in the order they came (a
        second answer edits the first, never the reverse), at most ``CLICKS_AT_ONCE`` at once."""
        if self._clicks is None:
            self._clicks = asyncio.Semaphore(CLICKS_AT_ONCE)
        async with self._turns.of((body.get("user") or {}).get("id", "")), self._clicks:
            done = await work
        reply = await self._late_form(done, body)
        if reply is None or reply.silent:
            return
        if body.get("response_url"):
            kind = "in_channel" if reply.visibility == "public" else "ephemeral"
            await self._respond_pages(respond, outbound.render_pages(reply), kind)
            return
        await self.tell(body, reply, None)

    async def _late_form(self, reply: Reply, body: dict[str, Any]) -> Reply | None:
        """A click's form that came after the ack is still opened while its trigger lives (Slack keeps
        it 3 s; ``None`` then); once expired, the reply says to click again."""
        if reply.form is None:
            return reply
        if await self._open_form(body.get("trigger_id"), reply, (body.get("channel") or {}).get("id")):
            return None
        return replace(reply, context=self.t(reply.locale)("slack.forms.click_again"))

    async def tell(self, body: dict[str, Any], reply: Reply, channel: str | None) -> None:
        """Show ``reply`` to the user: ephemeral in ``channel``, else in their direct messages.

        A slash command (and so a form) works in any channel, an ephemeral message only where the bot
        is a member: when Slack refuses it, the reply goes to the user's direct messages instead."""
        user = (body.get("user") or {}).get("id", "")
        if reply.silent:
            return
        if channel and not channel.startswith("D"):
            try:
                await self.client.chat_postEphemeral(channel=channel, user=user, **outbound.render(reply))
                return
            except SlackApiError as exc:
                log.info("slack: no ephemeral in %s (%s); sending a direct message", channel,
                         exc.response.get("error"))
        for page in outbound.render_pages(reply):
            await self.client.chat_postMessage(channel=user, **page)

    async def on_submit(self, ack: Any, body: dict[str, Any]) -> None:
        """A modal submitted: errors stay in the modal, a next form replaces it, else it closes and the
        reply is shown where the form was opened."""
        team = inbound.team_of(body)
        view = body.get("view") or {}
        channel = inbound.metadata(view).get("c")

        async def run() -> Reply:
            actor = await self.profiles.actor(team, (body.get("user") or {}).get("id", ""))
            return await self.router.act(inbound.submission(actor, body))

        outcome = await self.quick(run)
        if isinstance(outcome, asyncio.Task):
            await ack()
            self.later(self._tell_when_done(outcome, body, channel))
            return
        block = inbound.error_input(view, outcome.extra.get("input"))
        if outcome.error and outcome.form is not None and (errors := inbound.form_errors(view, outcome.form)):
            await ack(response_action="errors", errors=errors)  # every wrong input, the rest kept
        elif outcome.error and block:
            problem = outbound.cut(markup.plain(outcome.text), 2000)  # Slack shows it as plain text
            await ack(response_action="errors", errors={block: problem})
        elif outcome.form is not None:
            await ack(response_action="update", view=outbound.modal(outcome.form, channel, outcome.text))
        else:
            await ack()
            self.later(self.tell(body, outcome, channel))

    async def _tell_when_done(self, task: asyncio.Task[Reply], body: dict[str, Any],
                              channel: str | None) -> None:
        await self.tell(body, await task, channel)


class Turns:
    """One lock per key while anyone holds or awaits it: things done in turn, per person."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # the lock, and how many hold or await it

    @asynccontextmanager
    async def of(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


def bolt_request(raw: str, body: dict[str, Any], query: str, headers: Mapping[str, str]) -> AsyncBoltRequest:
    """Bolt's request for a body ``ingress.parsed`` has parsed already, as Bolt parses it.

    Why: Bolt parses the body again when its request is made, and a slash command's form parsed
    twice was a sixth of ``handle_http``'s time for a command answered at once. The request is made
    with no body (nothing to parse), then given the raw text, the parsed body and the context Bolt
    builds from it (``build_async_context``, as its constructor does)."""
    request = AsyncBoltRequest(body="", query=query, headers=headers)  # type: ignore[arg-type]
    request.raw_body = raw
    request.body = body
    request.context = build_async_context(AsyncBoltContext({}), body)
    return request


def build_slack(config: SlackConfig, services: Services, router: CommandRouter) -> SlackAdapter:
    """The adapter for ``[slack]``; ``install`` mounts the route, ``lifetime`` runs Socket Mode."""
    return SlackAdapter(config, services, router)


def build_platform(settings: SlackConfig, services: Services, registry: Registry) -> Platform:
    """The hook ``bots/bootstrap.py`` calls when ``[slack]`` (``settings``) has a bot token."""
    adapter = build_slack(settings, services, CommandRouter(services, registry))
    routes = adapter.install if settings.signing_secret is not None else None
    return Platform(name="slack", messenger=adapter.messenger, routes=routes, lifetime=adapter.lifetime)
