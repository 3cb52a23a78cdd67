"""The HTML adoption report, looked at in a real browser (Debian's headless Chromium through Playwright):
no console error, the chart loaded and not blank; and no output of the statistics — chat reply, CSV,
HTML — names or numbers a respondent of an anonymous campaign."""

from __future__ import annotations

import io
import shutil
from typing import Any

import pytest
from PIL import Image as Picture

from bots import report_formats
from core.campaigns.reports import adoption_report, campaign_report
from core.i18n import Translator
from core.runtime.activity_log import activity_log
from core.runtime.db import Database
from core.stats import charts
from tests.campaign_support import ANA, BOB, CARL, DEE, member
from tests.report_support import answer, sent_campaign

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def outputs(chat: Any, db: Database, clock: Any, messenger: Any,
                  services: Any) -> dict[str, str | bytes]:
    await sent_campaign(chat, db, clock, services, anonymous=True)
    await answer(chat, messenger, BOB, text="my manager never listens", choice="Course", scale=1)
    await answer(chat, messenger, CARL, text="too many meetings", choice="Project", scale=5)
    await activity_log(db).flush()
    t = Translator("en", plain=True)
    report = await adoption_report(db, clock.now(), 4, 3)
    assert report.stats is not None
    chart = charts.stats_png(report.stats, t)
    stats_reply = await chat(ANA).say("stats 4")
    return {"html": report_formats.adoption_html(report, t, chart),
            "csv": report_formats.adoption_csv(report),
            "campaign_html": report_formats.campaign_html(await campaign_report(db, "1", 3), t),
            "campaign_csv": report_formats.campaign_csv(await campaign_report(db, "1", 3)),
            "reply": stats_reply.text + (stats_reply.title or "") + (stats_reply.context or ""),
            "report_reply": (await chat(ANA).say("campaign report 1")).text, "chart": chart}


async def test_no_statistic_links_an_anonymous_answer_to_a_person(chat, db, clock, messenger,  # type: ignore[no-untyped-def]
                                                                   services) -> None:
    found = await outputs(chat, db, clock, messenger, services)
    people = [await member(db, email) for email in (BOB, CARL)]
    for name, text in found.items():
        if isinstance(text, bytes):
            continue
        for person in people:
            for trace in (person.display_name, person.email, f"#{person.id} ", f"member {person.id}"):
                assert trace and trace not in text, f"{name} shows {trace!r}"
    assert "fewer than 3" in str(found["campaign_csv"]), "two answers: the anonymous figures are withheld"


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine: `apt-get install -y chromium` "
                    "(.ci/run installs it)")
async def test_the_html_report_in_a_real_browser(chat, db, clock, messenger, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    playwright = pytest.importorskip("playwright.async_api", reason="Playwright is a dev dependency")
    for email in (DEE,):
        await chat(email).say("group join data science")
    found = await outputs(chat, db, clock, messenger, services)
    page_file = tmp_path / "adoption.html"
    page_file.write_text(str(found["html"]), encoding="utf-8")
    problems: list[str] = []
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            page.on("console",
                    lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            await page.goto(page_file.as_uri())
            chart = page.locator("img.chart")
            assert await chart.evaluate("image => image.complete && image.naturalWidth") > 400
            shot = Picture.open(io.BytesIO(await chart.screenshot())).convert("RGB")
            whole = Picture.open(io.BytesIO(await page.screenshot(full_page=True)))
        finally:
            await browser.close()
    assert problems == []
    assert whole.size[1] > shot.size[1], "the page shows more than its chart"
    width, height = shot.size
    for top, bottom in ((0.1, 0.45), (0.6, 0.95)):  # each chart area holds ink, not only white
        band = shot.crop((int(width * 0.1), int(height * top), int(width * 0.95), int(height * bottom)))
        inked = sum(n for n, colour in band.getcolors(1 << 20) or [] if colour != (255, 255, 255))
        assert inked > 0.005 * band.size[0] * band.size[1]
