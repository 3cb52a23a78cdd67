"""The web console in a real browser (Debian's Chromium through Playwright), every page checked by
axe-core and kept as a screenshot.

An animator gets the link in the console chat, opens it, creates a campaign with three kinds of
prompt from scratch, sees the preview of its rounds in two time zones, starts it; members answer in
the chat; the results page shows their figures. Another animator's link does not open that campaign;
a used or expired link is refused; a form without its CSRF token is refused.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.console.outbound import render
from adapters.web.app import console_app
from core.settings import WebSettings
from tests.campaign_support import ANA, BOB, CARL, DEE, demo_group, ok, tick
from tests.conftest import give_role
from tests.report_support import answer
from tests.web.browser_support import CHROMIUM, CHROMIUM_ARGS, Looker, artefacts, axe_script, need_chromium

LINK = re.compile(r"(https?://\S+/app/signin/[\w-]+)")


@pytest.fixture
async def server(services, router) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    app = web.Application()
    app.add_subapp("/app/", console_app(services, router))
    running = TestServer(app, host="127.0.0.1")
    await running.start_server()
    base = str(running.make_url("")).rstrip("/")
    # a month-long session: the fake clock jumps days ahead to send the round
    services.settings = replace(services.settings, web=WebSettings(public_url=base, session_hours=24 * 30))
    yield base
    await running.close()


async def console_link(chat: Any, email: str) -> str:
    """``dashboard`` typed in the console chat, the link read from what the terminal prints."""
    printed = render(await ok(chat(email), "dashboard")).text
    found = LINK.search(printed)
    assert found, printed
    return found.group(1)


async def signed_in(page: Any, link: str, looker: Looker | None = None) -> None:
    await page.goto(link)
    if looker is not None:
        await looker.look(page, "signin")
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/app/$"))


async def create_campaign(page: Any, looker: Looker) -> str:
    await page.get_by_role("link", name="New campaign").click()
    await page.get_by_label("Title").fill("Friday pulse")
    await page.get_by_label("Groups", exact=True).fill("data science")
    await page.get_by_label("First day").fill("2026-03-13")
    await page.get_by_label("Recurrence").fill("weekly")
    await page.get_by_label("Number of rounds").fill("2")
    rows = [("What did you learn?", "text", ""), ("Where? ", "choice", "Project | Colleague | Course"),
            ("How useful?", "scale", "")]
    for n, (text, kind, options) in enumerate(rows):
        await page.locator(f"#p{n}-text").fill(text)
        await page.locator(f"#p{n}-kind").select_option(kind)
        await page.locator(f"#p{n}-options").fill(options)
    await page.get_by_role("button", name="Preview the rounds").click()
    preview = page.locator("#preview table")
    headers = await preview.locator("thead th").all_inner_texts()
    assert "Europe/Paris" in headers and "America/New_York" in headers, headers
    assert "Fri 2026-03-13 09:30" in await preview.inner_text()
    await looker.look(page, "new-campaign-preview")
    await page.get_by_role("button", name="Create the campaign").click()
    await page.wait_for_url(re.compile(r"/app/campaigns/\d+$"))
    await looker.look(page, "campaign")
    created = str(page.url)
    await page.get_by_role("button", name="Start").click()
    assert "Done:" in await page.locator(".flash").inner_text()
    return created


async def test_an_animator_runs_a_campaign_from_the_browser(chat, db, clock, messenger, services,  # type: ignore[no-untyped-def]
                                                            server, tmp_path) -> None:
    need_chromium()
    playwright = pytest.importorskip("playwright.async_api", reason="Playwright is a dev dependency")
    await demo_group(chat, db)
    for email in (DEE,):
        await ok(chat(email), "help")
    await give_role(db, DEE, "animator")
    looker = Looker(artefacts(tmp_path), axe_script())
    problems: list[str] = []
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)
            page = await context.new_page()
            page.on("pageerror", lambda error: problems.append(str(error)))
            link = await console_link(chat, ANA)
            await signed_in(page, link, looker)
            await looker.look(page, "campaigns")
            url = await create_campaign(page, looker)
            number = url.rsplit("/", 1)[1]

            clock.current = datetime(2026, 3, 13, 15, 0, tzinfo=UTC)  # 09:30 has passed in Paris and New York
            await tick(services)
            await answer(chat, messenger, BOB, text="kubectl rollout undo", choice="Course", scale=4)
            await answer(chat, messenger, CARL, text="feature flags", choice="Course", scale=2)
            await page.goto(f"{server}/app/campaigns/{number}/results")
            figures = await page.locator("main").inner_text()
            assert "kubectl rollout undo" in figures and "feature flags" in figures
            assert "2 (100 %)" in figures and "Average: 3.0" in figures
            await looker.look(page, "results")
            for name in ("groups", "experts", "adoption"):
                await page.goto(f"{server}/app/{name}")
                await looker.look(page, name)
            await page.goto(f"{server}/app/groups/data-science")
            await looker.look(page, "group")

            again = await page.goto(link)  # the link was used: its page still shows, signing in fails
            await page.get_by_role("button", name="Sign in").click()
            assert "used already" in await page.locator("main").inner_text()
            assert again is not None

            await page.goto(f"{server}/app/campaigns/{number}")  # a form whose CSRF token is gone
            await page.locator("form[action$='/pause'] input[name=csrf]").evaluate("input => input.remove()")
            await page.get_by_role("button", name="Pause").click()
            assert "security token" in await page.locator("main").inner_text()
            await looker.look(page, "refused")

            other = await browser.new_context(viewport={"width": 420, "height": 800}, bypass_csp=True)
            phone = await other.new_page()
            await signed_in(phone, await console_link(chat, DEE))
            response = await phone.goto(f"{server}/app/campaigns/{number}/results")
            assert response is not None and response.status == 404
            assert "Friday pulse" not in await phone.locator("main").inner_text()
            await looker.look(phone, "not-found-phone")

            expired = await console_link(chat, DEE)
            clock.current = clock.now() + timedelta(minutes=11)
            await other.clear_cookies()
            await phone.goto(expired)
            await phone.get_by_role("button", name="Sign in").click()
            assert "expired" in await phone.locator("main").inner_text()

            await ok(chat(CARL), "help")
            await give_role(db, CARL, "admin")
            admin = await (await browser.new_context(bypass_csp=True)).new_page()
            await signed_in(admin, await console_link(chat, CARL))
            for path, name in (("admin/sessions", "sessions"), ("admin/audit", "audit")):
                await admin.goto(f"{server}/app/{path}")
                await looker.look(admin, name)
        finally:
            await browser.close()
    assert problems == []
    assert len(looker.seen) >= 12
