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
from sqlmodel import select

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


#: what the focused element is and how its focus shows (outline or box-shadow)
FOCUSED = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name") || "",
          type: e.getAttribute("type") || "", value: e.value || "",
          text: (e.innerText || e.getAttribute("aria-label") || "").trim().slice(0, 80),
          outline: s.outlineStyle === "none" ? "none" : `${s.outlineStyle} ${s.outlineWidth}`,
          shadow: s.boxShadow};
}"""


class Keyboard:
    """Drives a page with the keyboard only; every element Tab reaches must show its focus."""

    def __init__(self, page: Any) -> None:
        self.page, self.visited = page, []  # type: Any, list[dict[str, str]]

    async def focused(self) -> dict[str, str]:
        found: dict[str, str] = await self.page.evaluate(FOCUSED)
        return found

    async def tab_to(self, wanted: Any, back: bool = False, most: int = 80) -> dict[str, str]:
        """Tab (Shift+Tab with ``back``) until ``wanted(focused)``. Tab walks the parts of a date or a
        time input (month, day, year) before leaving it; a focus that never leaves is a trap."""
        stayed = 0
        for _ in range(most):
            before = await self.focused()
            await self.page.keyboard.press("Shift+Tab" if back else "Tab")
            now = await self.focused()
            stayed = stayed + 1 if now == before and now["tag"] != "body" else 0
            assert stayed < 4, f"focus stuck on {now}"
            if now["tag"] != "body":
                assert now["outline"] != "none" or now["shadow"] != "none", f"focus not visible on {now}"
                self.visited.append(now)
            if wanted(now):
                return now
        raise AssertionError(f"not reached in {most} key presses; last: {self.visited[-3:]}")

    async def tab_to_id(self, element_id: str, back: bool = False) -> dict[str, str]:
        return await self.tab_to(lambda now: now["id"] == element_id, back)

    async def tab_to_button(self, label: str, back: bool = False) -> dict[str, str]:
        return await self.tab_to(lambda now: now["tag"] in ("button", "a") and now["text"] == label, back)


async def test_a_channel_campaign_made_with_the_keyboard_only(chat, db, router, server) -> None:  # type: ignore[no-untyped-def]
    """Sign in, reach the new-campaign form, fill it, preview and create a channel campaign, then start
    it, with Tab, Shift+Tab, Enter, Space, the arrows of a radio group and typing: no click. Every
    element reached shows its focus; the focus never stays stuck (no keyboard trap)."""
    from core.campaigns.models import Campaign
    from core.commands import Invocation
    from core.ports import ConversationRef

    need_chromium()
    playwright = pytest.importorskip("playwright.async_api", reason="Playwright is a dev dependency")
    await demo_group(chat, db)
    linked = await router.handle(Invocation(chat(ANA).actor, "group link data science",
                                            ConversationRef("console", "local", "C-data")))
    assert not linked.error, linked.text
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(viewport={"width": 1100, "height": 900})).new_page()
            keys = Keyboard(page)
            await page.goto(await console_link(chat, ANA))
            await keys.tab_to_button("Sign in")
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert (await keys.focused())["tag"] == "body"
            skip = await keys.tab_to(lambda now: now["tag"] == "a")
            assert skip["text"] == "Skip to the content", "the skip link comes first"
            await keys.tab_to_button("New campaign")
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert page.url.endswith("/app/campaigns/new")

            await keys.tab_to_id("f-title")
            await page.keyboard.type("Channel pulse")
            radio = await keys.tab_to(lambda now: now["name"] == "mode")
            assert radio["value"] == "direct", "Tab reaches the chosen radio"
            await page.keyboard.press("ArrowDown")
            assert (await keys.focused())["value"] == "channel"
            await keys.tab_to_id("f-channel")
            await page.keyboard.type("#C-data")
            assert (await keys.focused())["value"] == "C-data"
            await keys.tab_to_id("p0-text")
            await page.keyboard.type("What did the channel learn?")
            await keys.tab_to_id("f-count")
            await page.keyboard.type("2")
            await keys.tab_to_id("f-title", back=True)  # Shift+Tab all the way back up
            await keys.tab_to_id("f-count")
            await keys.tab_to_button("Preview the rounds")
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            said = await page.locator("#preview").inner_text()
            assert "posted in #C-data" in said and "Europe/Paris" in said, said

            await keys.tab_to_button("Create the campaign")
            async with page.expect_navigation():
                await page.keyboard.press("Enter")
            assert re.search(r"/app/campaigns/\d+$", page.url), page.url
            await keys.tab_to_button("Start")
            async with page.expect_navigation():
                await page.keyboard.press("Space")
            assert "Done:" in await page.locator(".flash").inner_text()
        finally:
            await browser.close()
    assert {"input", "select", "button", "a"} <= {seen["tag"] for seen in keys.visited}
    async with db.uow() as uow:
        (campaign,) = (await uow.session.exec(select(Campaign))).all()
    assert campaign.title == "Channel pulse" and campaign.status == "scheduled"
    assert campaign.audience["mode"] == "channel" and campaign.audience["channels"][0]["channel"] == "C-data"
