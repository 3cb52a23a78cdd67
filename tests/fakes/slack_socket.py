"""A fake Socket Mode server on 127.0.0.1: what Slack's WebSocket endpoint does, as far as Parvis cares.

``apps.connections.open`` on the fake Web API returns ``url`` (``ws://127.0.0.1:…/link``), as
bolt-python's own tests do. On connection the server says ``hello``; ``send`` pushes an envelope
(slash command, interaction or event) and ``reply`` waits for the client's acknowledgement of it,
whose ``payload`` is what an HTTP acknowledgement would have carried.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web


@dataclass
class FakeSocketMode:
    port: int = 0
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    _socket: web.WebSocketResponse | None = None
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _acked: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> FakeSocketMode:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "connection_info": {"app_id": "A0PARVIS"},
                                "debug_info": {"host": "fake", "approximate_connection_time": 18060}})
        self.connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                self.acks[data.get("envelope_id", "")] = data
                self._acked.set()
        return socket

    async def send(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> str:
        """Push an envelope (``slash_commands``, ``interactive``, ``events_api``); returns its id."""
        assert self._socket is not None, "no client connected"
        envelope_id = f"env-{next(self._ids)}"
        await self._socket.send_json({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": kind != "events_api",
                                      "retry_attempt": retry_attempt,
                                      "retry_reason": "timeout" if retry_attempt else ""})
        return envelope_id

    async def reply(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while envelope_id not in self.acks:
                self._acked.clear()
                await self._acked.wait()
        return self.acks[envelope_id]
