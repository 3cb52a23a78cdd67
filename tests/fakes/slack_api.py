"""A fake Slack Web API on 127.0.0.1 (DESIGN.md §5), in the spirit of bolt-python's mock server.

It answers the methods Parvis calls with Slack's response shapes, checks the bearer token (bot token
for Web API methods, app-level token for ``apps.connections.open``), records every call, can fail a
method with ``{"ok": false, "error": …}`` or rate-limit it with HTTP 429 + ``Retry-After``, and serves
``response_url`` endpoints (``/respond/<n>``) that record what Bolt's ``respond()`` posts.
Point ``AsyncWebClient(base_url=api.base_url)`` at it.

Like Slack, it refuses the Block Kit Slack refuses (``tests/fakes/block_kit.py``): a message with bad
blocks gets ``{"ok": false, "error": "invalid_blocks", "errors": […]}``, a bad view
``{"ok": false, "error": "invalid_arguments", "response_metadata": {"messages": […]}}``, a bad
``response_url`` post HTTP 400 ``invalid_blocks``. Each refusal is also kept in ``violations``, which
the ``api`` fixture asserts empty at teardown: every test that makes Parvis send Block Kit checks it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.block_kit import message_problems, view_problems

BOT_TOKEN = "xoxb-parvis-test"
APP_TOKEN = "xapp-parvis-test"
TEAM = "T0PARVIS"
BOT_USER = "UPARVISBOT"


#: methods whose ``blocks`` Slack checks as a message, and those taking a ``view``
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage")
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200
    #: what the fake answered (a posted message's ``channel`` and ``ts`` are what a later click carries)
    result: dict[str, Any] = field(default_factory=dict)
    #: when it arrived (``time.monotonic``)
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """``times`` failures of one method: an error code, a 429 with ``retry_after``, or an HTTP
    ``status`` (503: Slack unavailable) — after letting ``skip`` calls through."""

    error: str = "ratelimited"
    times: int = 1
    retry_after: int | None = None
    status: int | None = None
    skip: int = 0


def user(user_id: str, email: str, name: str, locale: str = "en-US",
         tz: str = "Europe/Paris") -> dict[str, Any]:
    """A ``users.info`` user object."""
    return {"id": user_id, "team_id": TEAM, "name": email.split("@")[0], "real_name": name, "tz": tz,
            "locale": locale, "deleted": False, "is_bot": False,
            "profile": {"email": email, "real_name": name, "display_name": name.split()[0]}}


@dataclass
class Allowance:
    """A server-side token bucket (``FakeSlackApi.limit``)."""

    per_second: float
    burst: float
    retry_after: int
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass
class Upload:
    """A file of the upload v2 flow: announced (``files.getUploadURLExternal``), sent to its upload URL,
    then shared (``files.completeUploadExternal``), each step once and in that order."""

    filename: str
    length: int
    alt_txt: str = ""
    data: bytes | None = None
    title: str = ""
    channel: str | None = None
    completed: bool = False


@dataclass
class FakeSlackApi:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    #: seconds each call of a method waits before answering (a busy or rate-limited Slack)
    delays: dict[str, float] = field(default_factory=dict)
    #: a method's server-side rate limit (``limit``): past it, HTTP 429 with ``Retry-After``
    limits: dict[str, Allowance] = field(default_factory=dict)
    #: whether Block Kit is checked (a benchmark measuring pace, not payloads, turns it off: it costs
    #: milliseconds per message)
    validate: bool = True
    #: payloads real Slack would refuse, as ``"<method>: <problem>"`` (the fixture asserts none)
    violations: list[str] = field(default_factory=list)
    #: the client address (host, port) of every request: how many connections the client opened
    peers: list[Any] = field(default_factory=list)
    ws_url: str = ""
    #: file id → the file of the upload v2 flow
    files: dict[str, Upload] = field(default_factory=dict)
    #: the group DMs ``conversations.open`` made: the sorted user ids → the conversation id
    group_dms: dict[str, str] = field(default_factory=dict)
    port: int = 0
    _runner: web.AppRunner | None = None
    #: (channel, ts) → who posted it (``BOT_USER`` for the bot's posts; a test adds people's messages)
    messages: dict[tuple[str, str], str] = field(default_factory=dict)
    #: the channels messages were ever posted in (a deleted message's channel still exists)
    channels: set[str] = field(default_factory=set)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _responded: asyncio.Event = field(default_factory=asyncio.Event)

    # --------------------------------------------------------------- control
    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{key}"

    def fail(self, method: str, error: str, times: int = 1) -> None:
        self.faults[method] = Fault(error=error, times=times)

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        self.faults[method] = Fault(times=times, retry_after=retry_after)

    def unavailable(self, method: str, status: int = 503, times: int = 1, skip: int = 0) -> None:
        """Answer ``method`` with HTTP ``status`` (and no JSON), as Slack does when it is down."""
        self.faults[method] = Fault(times=times, status=status, skip=skip)

    def limit(self, method: str, per_second: float, burst: float = 10.0, retry_after: int = 1) -> None:
        """Enforce a rate on ``method``, as Slack does per workspace: a token bucket refilled at
        ``per_second`` holding at most ``burst``; a call finding it empty gets 429 + ``Retry-After``."""
        self.limits[method] = Allowance(per_second, burst, retry_after)

    def slow(self, method: str, seconds: float) -> None:
        self.delays[method] = seconds

    def made(self, method: str) -> list[Call]:
        """The successful calls of ``method``."""
        return [call for call in self.calls if call.method == method and call.status == 200]

    def check(self, method: str, problems: list[str]) -> list[str]:
        """Record ``problems`` found in what ``method`` received; returns them."""
        self.violations += [f"{method}: {problem}" for problem in problems]
        return problems

    async def wait_responses(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict[str, Any]]]:
        """Wait until ``count`` ``respond()`` posts arrived (they come after the ack)."""
        async with asyncio.timeout(timeout):
            while len(self.responses) < count:
                self._responded.clear()
                await self._responded.wait()
        return self.responses

    async def wait_calls(self, method: str, count: int, timeout: float = 5.0) -> list[Call]:
        async with asyncio.timeout(timeout):
            while len(self.made(method)) < count:
                await asyncio.sleep(0.01)
        return self.made(method)

    # -------------------------------------------------------------- serving
    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "view"):  # form-encoded JSON, as the SDK sends some methods
            if isinstance(args.get(key), str) and args[key].startswith(("[", "{")):
                args[key] = json.loads(args[key])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        self.peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        method = request.match_info["method"]
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ") if header.startswith("Bearer ") else None
        args = await self._args(request)
        call = Call(method, args, token)
        self.calls.append(call)
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token is None:
            return self._error(call, "not_authed")
        if token != expected:
            return self._error(call, "invalid_auth")
        refused = self._refusal(method, args) if self.validate else None
        if refused is not None:
            call.status = 0
            call.result = refused
            return web.json_response(refused)
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        allowance = self.limits.get(method)
        if allowance is not None and not allowance.take():
            call.status = 429
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(allowance.retry_after)})
        fault = self.faults.get(method)
        if fault is not None and fault.skip > 0:
            fault.skip -= 1
        elif fault is not None and fault.times > 0:
            fault.times -= 1
            if fault.status is not None:
                call.status = fault.status
                return web.Response(status=fault.status, text="Service Unavailable")
            if fault.retry_after is not None:
                call.status = 429
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(fault.retry_after)})
            return self._error(call, fault.error)
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._error(call, "unknown_method")
        found = handler(args)
        call.result = found
        if found.get("ok") is False:
            call.status = 0
        return web.json_response(found)

    def _refusal(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer to a payload it refuses (``None`` when it accepts it)."""
        if method in MESSAGE_METHODS:
            problems = self.check(method, message_problems(args))
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems,
                        "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}
        elif method in VIEW_METHODS:
            problems = self.check(method, view_problems(args.get("view")))
            if problems:
                return {"ok": False, "error": "invalid_arguments",
                        "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}
        return None

    def _error(self, call: Call, error: str) -> web.Response:
        call.status = 0
        return web.json_response({"ok": False, "error": error})

    async def _respond(self, request: web.Request) -> web.Response:
        """A ``response_url`` post: recorded; refused with 400 ``invalid_blocks`` as Slack does."""
        self.peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        body = await request.json()
        self.responses.append((request.match_info["key"], body))
        self._responded.set()
        if self.check("response_url", message_problems(body)):
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: the bytes of a file announced by ``files.getUploadURLExternal`` (raw, or a
        multipart form's ``file``), exactly ``length`` of them, once; no bearer token (the URL is the
        credential). Slack answers 200 ``OK - <size>``."""
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = form.get("file") or form.get("filename")
            data = part.file.read() if hasattr(part, "file") else str(part or "").encode()
        else:
            data = await request.read()
        self.calls.append(Call("upload", {"file_id": file_id, "size": len(data)}, None))
        found = self.files.get(file_id)
        if found is None or found.data is not None:
            self.check("upload", [f"{file_id}: no upload is waiting for this URL"])
            return web.Response(status=404, text="not found")
        if len(data) != found.length:
            self.check("upload", [f"{file_id}: {len(data)} bytes sent, {found.length} announced"])
        found.data = data
        return web.Response(text=f"OK - {len(data)}")

    # -------------------------------------------------------------- methods
    def _ts_next(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def _m_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://parvis-test.slack.com/", "team": "Parvis Test", "user": "parvis",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": "BPARVIS", "is_enterprise_install": False}

    def _channel(self, channel: str) -> str:
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _m_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        channel, ts = self._channel(args["channel"]), self._ts_next()
        self.messages[(channel, ts)] = BOT_USER
        return {"ok": True, "channel": channel, "ts": ts,
                "message": {"type": "message", "text": args.get("text", ""), "ts": ts, "bot_id": "BPARVIS"}}

    def _m_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": args.get("channel"), "ts": args["ts"], "text": args.get("text", "")}

    def _m_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        """Like Slack: a bot token deletes only the bot's own messages (``cant_delete_message``); a
        message that is not there, or deleted already, is ``message_not_found``."""
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        self.channels |= {key[0] for key in self.messages}
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        author = self.messages.get((channel, ts))
        if author is None:
            return {"ok": False, "error": "message_not_found"}
        if author != BOT_USER:
            return {"ok": False, "error": "cant_delete_message"}
        del self.messages[(channel, ts)]
        return {"ok": True, "channel": channel, "ts": ts}

    def _m_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._ts_next()}

    def _view(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view") or {}
        return {"ok": True, "view": {"id": "VPARVIS", **(view if isinstance(view, dict) else {})}}

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        return self._view(args)

    _m_views_update = _view
    _m_views_push = _view
    _m_views_publish = _view

    def _m_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """One user: their DM with the bot (``D…``); two to eight: the group DM of those people and
        the bot (``G…``), the same conversation whatever their order, as Slack does (``mpim``)."""
        users = [user.strip() for user in str(args.get("users", "")).split(",") if user.strip()]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        if any(not user.startswith(("U", "W")) for user in users):
            return {"ok": False, "error": "user_not_found"}
        if len(set(users)) == 1:
            return {"ok": True, "channel": {"id": self._channel(users[0])}}
        key = ",".join(sorted(set(users)))
        mpim = self.group_dms.setdefault(key, f"G{len(self.group_dms) + 1:08d}")
        return {"ok": True, "channel": {"id": mpim, "is_mpim": True}}

    def _m_conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": args.get("channel")}}

    def _m_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self.users.get(str(args.get("user")))
        return {"ok": True, "user": found} if found else {"ok": False, "error": "user_not_found"}

    def _m_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        found = [u for u in self.users.values() if u["profile"]["email"] == email]
        return {"ok": True, "user": found[0]} if found else {"ok": False, "error": "users_not_found"}

    def _m_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "members": list(self.users.values()), "response_metadata": {"next_cursor": ""}}

    def _m_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """``filename`` and ``length`` (a positive integer) are required; ``alt_txt`` ≤ 1000."""
        length = str(args.get("length", ""))
        if not args.get("filename") or not length.isdigit() or int(length) == 0:
            return {"ok": False, "error": "invalid_arguments" if args.get("filename") else "missing_argument"}
        if len(str(args.get("alt_txt") or "")) > 1000:
            return {"ok": False, "error": "alt_txt_too_large"}
        file_id = f"F{next(self._ts):08d}"
        self.files[file_id] = Upload(str(args["filename"]), int(length), str(args.get("alt_txt") or ""))
        url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _m_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """``files``: a JSON array of ``{"id", "title"}`` of files uploaded and not completed yet; a
        ``channel_id`` (or ``channels``) shares them there, else they stay private. Once per file."""
        try:
            files = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files")
        except ValueError:
            files = None
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        for item in files:
            found = self.files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if found is None or found.data is None or found.completed:
                return {"ok": False, "error": "file_not_found"}
        channel = args.get("channel_id") or (str(args.get("channels") or "").split(",")[0] or None)
        if channel is not None and not str(channel).startswith(("C", "D", "G")):
            return {"ok": False, "error": "channel_not_found"}
        shared = []
        for item in files:
            found = self.files[str(item["id"])]
            found.completed, found.title, found.channel = True, str(item.get("title") or ""), channel
            shared.append({"id": item["id"], "title": found.title, "name": found.filename,
                           "size": found.length, "alt_txt": found.alt_txt,
                           "channels": [channel] if channel else []})
        return {"ok": True, "files": shared}

    def _m_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.ws_url}
