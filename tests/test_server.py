"""The HTTP server: health, readiness and metrics in process, and ``parvis serve`` as a user runs it."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bots.bootstrap import build_app, build_services
from bots.cli import main
from bots.config import Config
from bots.migrations import upgrade
from bots.server import HOLIDAYS, SERVICES, create_app
from core.campaigns import calendars
from core.capabilities import build_registry
from core.runtime.db import Database
from core.schema import Member, MemberRole


def config_for(url: str) -> Config:
    """These tests are about HTTP: the worker stays off."""
    return Config.model_validate({"database": {"url": url}, "scheduler": {"enabled": False}})


def sqlite_config(path: Path) -> Config:
    return config_for(f"sqlite+aiosqlite:///{path}")


async def client_for(app: web.Application) -> TestClient:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_readyz_waits_for_migrations_and_health_does_not(tmp_path: Path) -> None:
    config = sqlite_config(tmp_path / "parvis.db")
    client = await client_for(build_app(config))
    try:
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/readyz")
        assert response.status == 503
        assert "parvis db upgrade" in (await response.json())["reason"]
        await upgrade(config.database.url)
        response = await client.get("/readyz")
        assert response.status == 200 and (await response.json()) == {"status": "ready"}
    finally:
        await client.close()


async def test_the_server_loads_the_members_holiday_calendars_as_it_starts(tmp_path: Path) -> None:
    """The ``holidays`` package's first calendar costs about 200 ms: the server pays it at start, for
    the countries members live in and the zones the campaign preview contrasts with, this year and
    next, so that no member's first preview does."""
    config = sqlite_config(tmp_path / "parvis.db")
    await upgrade(config.database.url)
    db = Database(config.database.url)
    async with db.uow() as uow:
        uow.session.add(Member(email="ravi@example.com", display_name="Ravi", timezone="Asia/Kolkata"))
        await uow.commit()
    await db.dispose()
    calendars._holidays.cache_clear()
    app = build_app(config)
    client = await client_for(app)
    try:
        countries = await asyncio.wait_for(app[HOLIDAYS], 30)
        assert {"IN", "US", "JP", "FR"} <= set(countries)
        assert calendars._holidays.cache_info().currsize == 2 * len(countries), "this year and next"
    finally:
        await client.close()


async def test_readyz_reports_an_unreachable_database() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = config_for(f"postgresql+asyncpg://u@127.0.0.1:{port}/none")
    client = await client_for(build_app(config))
    try:
        response = await client.get("/readyz")
        assert response.status == 503 and (await response.json())["reason"] == "database unreachable"
    finally:
        await client.close()


async def test_metrics_count_requests_per_route_in_each_apps_own_registry(tmp_path: Path) -> None:
    config = sqlite_config(tmp_path / "parvis.db")
    first, second = await client_for(build_app(config)), await client_for(build_app(config))
    try:
        for _ in range(3):
            await first.get("/healthz")
        await first.get("/no/such/page")
        await second.get("/healthz")
        text = await (await first.get("/metrics")).text()
        assert 'parvis_http_requests_total{method="GET",route="/healthz",status="200"} 3.0' in text
        assert 'parvis_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
        assert 'parvis_http_request_duration_seconds_count{method="GET",route="/healthz"} 3.0' in text
        assert "process_cpu_seconds_total" in text
        response = await second.get("/metrics")
        assert response.headers["Content-Type"].startswith("text/plain")
        assert 'route="/healthz",status="200"} 1.0' in await response.text()
    finally:
        await first.close()
        await second.close()


async def test_adapter_routes_and_lifetimes_plug_in_and_the_database_closes_last(tmp_path: Path) -> None:
    events: list[str] = []
    services = build_services(sqlite_config(tmp_path / "parvis.db"), build_registry())
    disposed = services.db.dispose

    async def dispose() -> None:
        events.append("database closed")
        await disposed()

    services.db.dispose = dispose  # type: ignore[method-assign]

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        events.append("adapter started")
        yield
        events.append("adapter stopped")

    app = create_app(Config(), services, route_installers=[lambda a: a.router.add_post("/hook", hello)],
                     contexts=[lifetime])
    client = await client_for(app)
    assert app[SERVICES] is services
    assert await (await client.post("/hook")).text() == "hello"
    await client.close()
    assert events == ["adapter started", "adapter stopped", "database closed"]


async def test_shutdown_lets_a_request_in_flight_finish(tmp_path: Path) -> None:
    started = asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        started.set()
        await asyncio.sleep(0.5)
        return web.Response(text="done")

    app = create_app(Config(), build_services(sqlite_config(tmp_path / "parvis.db"), build_registry()),
                     route_installers=[lambda a: a.router.add_get("/slow", slow)])
    runner = web.AppRunner(app, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await writer.drain()
    await started.wait()
    await runner.cleanup()  # what SIGTERM triggers in web.run_app
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"done")


# --- as a user runs it ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_up(process: subprocess.Popen[str], base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"parvis serve exited with {process.returncode}: {process.communicate()}")
        try:
            if get(f"{base}/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("parvis serve did not answer /healthz in time")


async def test_parvis_serve_starts_migrates_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    database = tmp_path / "parvis.db"
    (tmp_path / "parvis.toml").write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n'
        '[roles]\nadmins = ["ada@example.com"]\n[scheduler]\nenabled = false\n', encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PARVIS_", "SLACK_", "MICROSOFT_"))}
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "parvis"), "serve", "--port", str(port)],
                               cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        await asyncio.to_thread(wait_until_up, process, f"http://127.0.0.1:{port}")
        assert await asyncio.to_thread(get, f"http://127.0.0.1:{port}/readyz") == (200, {"status": "ready"})
        assert await asyncio.to_thread(status_of, f"http://127.0.0.1:{port}/nowhere") == 404
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.to_thread(process.communicate, timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "database closed" in stderr and "server stopped" in stderr
    # the default access log keeps the problem, not the successful probes
    assert '"GET /nowhere HTTP/1.1" 404' in stderr and "GET /readyz" not in stderr
    db = Database(f"sqlite+aiosqlite:///{database}")
    try:
        async with db.uow() as uow:
            member = (await uow.session.exec(select(Member).where(Member.email == "ada@example.com"))).one()
            roles = (await uow.session.exec(select(MemberRole.role).where(
                MemberRole.member_id == member.id))).all()
    finally:
        await db.dispose()
    assert roles == ["admin"]


def test_a_port_out_of_range_on_the_command_line_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert "command line: --port: Input should be less than or equal to 65535" in capsys.readouterr().err


def test_parvis_serve_refuses_a_bad_configuration(tmp_path: Path) -> None:
    (tmp_path / "parvis.toml").write_text("[server]\nport = 'x'\n", encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).parent / "parvis"), "serve"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "parvis.toml: server.port: expected a valid integer, got 'x'" in done.stderr


def test_parvis_serve_on_a_busy_port_says_so_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "parvis.toml").write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "parvis.db"}"\n[scheduler]\nenabled = false\n',
        encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PARVIS_", "SLACK_", "MICROSOFT_"))}
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([str(Path(sys.executable).parent / "parvis"), "serve", "--port", str(port)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert f"port {port} is already in use" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr


async def test_privacy_and_terms_pages_are_served_in_the_readers_language(tmp_path: Path) -> None:
    """The Teams app package links to them (adapters/teams/package.py): they must not answer 404."""
    client = await client_for(build_app(sqlite_config(tmp_path / "parvis.db")))
    try:
        privacy = await client.get("/privacy")
        body = await privacy.text()
        assert privacy.status == 200 and privacy.content_type == "text/html"
        assert '<html lang="en">' in body and "<h1>Parvis — privacy</h1>" in body and "privacy export" in body
        french = await client.get("/privacy", headers={"Accept-Language": "de-DE, fr-FR;q=0.8, en;q=0.5"})
        assert "confidentialité" in await french.text() and french.headers["Content-Language"] == "fr"
        terms = await client.get("/terms?lang=fr", headers={"Accept-Language": "en"})
        assert terms.status == 200 and "conditions d'utilisation" in await terms.text()
        assert "terms of use" in await (await client.get("/terms?lang=xx")).text()
    finally:
        await client.close()


def test_cli_commands_do_not_print_library_chatter(tmp_path: Path) -> None:
    """Alembic's "Context impl…" on every command and APScheduler's line per job run stay out of INFO."""
    (tmp_path / "parvis.toml").write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "parvis.db"}"\n', encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PARVIS_", "SLACK_", "MICROSOFT_"))}
    done = subprocess.run([str(Path(sys.executable).parent / "parvis"), "db", "upgrade"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "is at the latest migration" in done.stdout
    assert "alembic" not in done.stderr and "Context impl" not in done.stderr, done.stderr
    assert main(["db", "upgrade", "--config", str(tmp_path / "parvis.toml")]) == 0
    for name in ("apscheduler.executors.default", "apscheduler.scheduler", "alembic.runtime.migration"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
        assert logging.getLogger(name).isEnabledFor(logging.WARNING), name


def test_the_server_says_once_which_platforms_are_on(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bots.bootstrap"):
        build_app(sqlite_config(tmp_path / "parvis.db"))
    lines = [record.getMessage() for record in caplog.records if "platforms on" in record.getMessage()]
    assert lines == ["platforms on: none (configure [slack] or [teams]); serving health and metrics only"]
