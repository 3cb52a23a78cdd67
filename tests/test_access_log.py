"""The access log: by default only failed or slow requests; ``all`` and ``off`` as configured."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots import access_log
from bots.access_log import access_log_options
from bots.config import Config, load_config
from core.errors import ConfigError


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(0.05)
    return web.json_response({"status": "ok"})


async def fine(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def app() -> web.Application:
    built = web.Application()
    built.router.add_get("/fine", fine)
    built.router.add_get("/slow", slow)
    return built


async def lines_for(mode: str, paths: list[str], caplog: pytest.LogCaptureFixture) -> list[str]:
    """The access-log lines of ``paths`` requested from a server run with ``access_log = mode``."""
    options = access_log_options(mode)  # type: ignore[arg-type]
    server = TestServer(app())
    await server.start_server(**options)  # the options web.run_app gets in ``parvis serve``
    client = TestClient(server)
    await client.start_server()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        try:
            for path in paths:
                await (await client.get(path)).read()
        finally:
            await client.close()
    return [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]


async def test_problems_mode_logs_errors_and_slow_requests_only(caplog: pytest.LogCaptureFixture,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_log, "SLOW_REQUEST_SECONDS", 0.02)
    lines = await lines_for("problems", ["/fine", "/missing", "/slow", "/fine"], caplog)
    assert len(lines) == 2
    missing, slow_line = lines
    assert '"GET /missing HTTP/1.1" 404' in missing and missing.startswith("127.0.0.1 ")
    assert '"GET /slow HTTP/1.1" 200' in slow_line
    duration = next(part for part in slow_line.split() if part.endswith("s") and part[0].isdigit())
    assert float(duration[:-1]) >= 0.05


async def test_all_mode_logs_every_request_and_off_none(caplog: pytest.LogCaptureFixture) -> None:
    every = await lines_for("all", ["/fine", "/missing"], caplog)
    assert len(every) == 2 and "GET /fine" in every[0]
    assert await lines_for("off", ["/fine", "/missing"], caplog) == []


def test_the_mode_is_checked_in_the_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert Config().server.access_log == "problems"
    path = tmp_path / "parvis.toml"
    path.write_text('[server]\naccess_log = "verbose"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "access_log" in str(error.value) and "problems" in str(error.value)
