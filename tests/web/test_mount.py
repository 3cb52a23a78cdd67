"""``parvis serve``'s app (``bots.bootstrap.build_app``) mounts the web console under ``/app/``."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bots.bootstrap import build_app
from bots.config import Config
from bots.migrations import upgrade


async def test_the_served_app_holds_the_web_console(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'parvis.db'}"
    await upgrade(url)
    config = Config.model_validate({"database": {"url": url}, "scheduler": {"enabled": False},
                                    "web": {"public_url": "https://parvis.example.com", "session_hours": 4}})
    client = TestClient(TestServer(build_app(config)))
    await client.start_server()
    try:
        signed_out = await client.get("/app/")
        assert signed_out.status == 401 and "dashboard" in await signed_out.text()
        style = await client.get("/app/static/app.css")
        assert style.status == 200 and ":focus-visible" in await style.text()
        refused = await client.post("/app/signin/not-a-link")
        assert refused.status == 403
    finally:
        await client.close()


def test_web_settings_are_read_and_checked() -> None:
    config = Config.model_validate({"web": {"public_url": "https://parvis.example.com/", "session_hours": 4}})
    assert config.settings().web.public_url == "https://parvis.example.com"
    assert config.settings().web.session_hours == 4
    try:
        Config.model_validate({"web": {"session_hours": 0}})
    except ValueError as error:
        assert "session_hours" in str(error)
    else:
        raise AssertionError("0 hours must be refused")
