"""The campaigns pages: the list with participation, the results with the same figures as
``campaign report`` (the anonymity rule included), the CSV, the buttons run the chat's own commands, and
nobody reads a campaign the permission table keeps from them."""

from __future__ import annotations

import csv
import io

from core.campaigns.reports import campaign_report
from tests.campaign_support import ANA, BOB, CARL, DEE, ok
from tests.conftest import give_role
from tests.report_support import answer, sent_campaign
from tests.web.conftest import sign_in


async def test_list_results_and_csv_show_the_reports_figures(chat, web_client, db, clock, messenger,  # type: ignore[no-untyped-def]
                                                            services) -> None:
    await sent_campaign(chat, db, clock, services)
    await answer(chat, messenger, BOB, text="contour <lines>", choice="Course", scale=4)
    await answer(chat, messenger, CARL, text="git bisect", choice="Course", scale=2)
    await sign_in(chat, web_client, ANA)
    listing = await (await web_client.get("/app/")).text()
    assert "Retro &lt;Q&amp;A&gt; &#34;fun&#34;" in listing, "member text is escaped"
    assert "2 of 3 (67 %)" in listing
    page = await web_client.get("/app/campaigns/1/results")
    html = await page.text()
    assert page.status == 200
    report = await campaign_report(db, "1", services.settings.campaigns.anonymity_min)
    prompts = report.rounds[0].prompts
    assert dict(prompts[1].choices)["Course"] == 2
    assert 'value="2"' in html and "2 (100 %)" in html, "the choice bar and its number"
    assert "contour &lt;lines&gt;" in html and "git bisect" in html
    assert "Average: 3.0" in html
    download = await web_client.get("/app/campaigns/1/results.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    course = [row for row in rows if row["kind"] == "choice" and row["value"] == "Course"]
    assert course and course[0]["count"] == "2" and course[0]["respondents"] == "2"


async def test_anonymous_figures_below_the_minimum_are_withheld(chat, web_client, db, clock, messenger,  # type: ignore[no-untyped-def]
                                                               services) -> None:
    await sent_campaign(chat, db, clock, services, anonymous=True)
    await answer(chat, messenger, BOB, text="my manager never listens", choice="Course", scale=1)
    await sign_in(chat, web_client, ANA)
    html = await (await web_client.get("/app/campaigns/1/results")).text()
    assert "my manager never listens" not in html and "Withheld" in html
    text = await (await web_client.get("/app/campaigns/1/results.csv")).text()
    assert "my manager never listens" not in text and "Bob" not in text


async def test_the_csv_lists_every_text_answer_from_the_minimum(chat, web_client, db, clock, messenger,  # type: ignore[no-untyped-def]
                                                                services) -> None:
    """The CSV reads every text answer (no page limit) as the report does, in its order (anonymous:
    by text), with no name, once an anonymous prompt has ``anonymity_min`` answers."""
    await sent_campaign(chat, db, clock, services, anonymous=True)
    minimum = services.settings.campaigns.anonymity_min
    written = {ANA: "zebra crossings", BOB: "Apache Arrow", CARL: "mutation testing"}
    assert len(written) >= minimum
    for email, text in written.items():
        await answer(chat, messenger, email, text=text, choice="Course", scale=3)
    await sign_in(chat, web_client, ANA)
    download = await (await web_client.get("/app/campaigns/1/results.csv")).text()
    rows = list(csv.DictReader(io.StringIO(download)))
    texts = [row["value"] for row in rows if row["kind"] == "text"]
    report = await campaign_report(db, "1", minimum)
    assert texts == [answer.text for answer in report.rounds[0].prompts[0].texts]
    assert texts == sorted(written.values()), "every text, ordered by text as anonymous ones are"
    assert all(row["answers"] == "3" for row in rows if row["kind"] == "text")
    assert not any(name in cell for row in rows for cell in row.values() for name in ("Ana", "Bob", "Carl"))


async def test_buttons_run_the_chats_commands(chat, web_client, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await sent_campaign(chat, db, clock, services)
    csrf = await sign_in(chat, web_client, ANA)
    paused = await (await web_client.post("/app/campaigns/1/pause", data={"csrf": csrf})).text()
    assert "Done:" in paused
    assert "paused" in (await ok(chat(ANA), "campaign show 1")).text
    again = await (await web_client.post("/app/campaigns/1/pause", data={"csrf": csrf})).text()
    assert "Not done:" in again


async def test_an_action_redirects_so_that_reloading_does_not_repeat_it(chat, web_client, db, clock,  # type: ignore[no-untyped-def]
                                                                       services) -> None:
    await sent_campaign(chat, db, clock, services)
    csrf = await sign_in(chat, web_client, ANA)
    paused = await web_client.post("/app/campaigns/1/pause", data={"csrf": csrf}, allow_redirects=False)
    assert paused.status == 303 and paused.headers["Location"] == "/app/campaigns/1"
    assert "paused" in (await ok(chat(ANA), "campaign show 1")).text
    shown = await (await web_client.get("/app/campaigns/1")).text()
    assert "Done:" in shown and "paused" in shown, "the command's reply, once, on the page redirected to"
    reloaded = await (await web_client.get("/app/campaigns/1")).text()
    assert "Done:" not in reloaded and "Not done:" not in reloaded
    shared = await web_client.post("/app/campaigns/1/share", data={"csrf": csrf, "member": "nobody@x.org"},
                                   allow_redirects=False)
    assert shared.status == 303
    assert "Not done:" in await (await web_client.get("/app/campaigns/1")).text()


async def test_another_animators_campaign_stays_closed(chat, web_client, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await sent_campaign(chat, db, clock, services)
    await ok(chat(DEE), "help")
    await give_role(db, DEE, "animator")
    csrf = await sign_in(chat, web_client, DEE)
    assert (await web_client.get("/app/campaigns/1/results")).status == 404
    assert (await web_client.get("/app/campaigns/1/results.csv")).status == 404
    assert (await web_client.get("/app/campaigns/1")).status == 404
    closing = await web_client.post("/app/campaigns/1/close", data={"csrf": csrf})
    assert closing.status == 404
    assert "closed" not in (await ok(chat(ANA), "campaign show 1")).text
    assert "Retro" not in await (await web_client.get("/app/")).text()
    web_client.session.cookie_jar.clear()
    await sign_in(chat, web_client, BOB)  # in its audience: sees it, but not its results
    assert (await web_client.get("/app/campaigns/1")).status == 200
    assert (await web_client.get("/app/campaigns/1/results")).status == 403
