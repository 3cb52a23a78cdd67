"""Creating a campaign from scratch on the web console: three kinds of prompt, reordered, a preview
of the next rounds in several time zones, a wrong value named, then the campaign created through the
chat's own form and started from its page."""

from __future__ import annotations

from typing import Any

from core.campaigns.models import Campaign
from tests.campaign_support import ANA, BOB, demo_group, ok
from tests.web.conftest import sign_in

FORM = {"title": "Friday pulse", "description": "", "groups": "data science", "start": "2026-03-13",
        "time": "09:30", "recurrence": "weekly", "timezone": "local", "count": "3", "until": "",
        "skip_weekends": "yes", "reminders": "1", "reminder_after": "24", "close_after": "72",
        "prompt-0-text": "How was your week?", "prompt-0-kind": "scale", "prompt-0-order": "2",
        "prompt-1-text": "What did you ship?", "prompt-1-kind": "text", "prompt-1-order": "1",
        "prompt-2-text": "Where did you learn?", "prompt-2-kind": "choice",
        "prompt-2-options": "Project | Colleague | Course", "prompt-2-order": "3"}


async def test_preview_then_create_then_start(chat, web_client, db, clock) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    csrf = await sign_in(chat, web_client, ANA)
    page = await web_client.get("/app/campaigns/new")
    assert page.status == 200 and 'name="prompt-2-kind"' in await page.text()
    shown = await (await web_client.post("/app/campaigns/new", data={**FORM, "csrf": csrf,
                                                                     "do": "preview"})).text()
    assert "America/New_York" in shown and "Europe/Paris" in shown
    assert "Fri 2026-03-13 09:30" in shown, "09:30 local in each zone"
    assert "Fri 2026-03-20 09:30" in shown and "2026-03-27" in shown and "2026-04-03" not in shown
    fixed = await (await web_client.post("/app/campaigns/new", data={
        **FORM, "timezone": "Europe/Paris", "csrf": csrf, "do": "preview"})).text()
    assert "Fri 2026-03-13 04:30" in fixed, "09:30 in Paris is 04:30 in New York"
    wrong = await (await web_client.post("/app/campaigns/new", data={
        **FORM, "start": "2025-01-01", "csrf": csrf, "do": "preview"})).text()
    assert "Not done:" in wrong and "2025-01-01" in wrong
    assert '<p class="field-error" id="e-start">' in wrong and 'aria-describedby="h-start e-start"' in wrong
    unknown = await (await web_client.post("/app/campaigns/new", data={
        **FORM, "groups": "no such group", "count": "0", "csrf": csrf, "do": "create"})).text()
    assert '<p class="field-error" id="e-groups">' in unknown, "each wrong input named next to it"
    assert '<p class="field-error" id="e-count">' in unknown and 'value="no such group"' in unknown
    created = await web_client.post("/app/campaigns/new", data={**FORM, "csrf": csrf, "do": "create"},
                                    allow_redirects=False)
    assert created.status == 303, await created.text()
    location = created.headers["Location"]
    campaign = await (await web_client.get(location)).text()
    asked = ("What did you ship?", "How was your week?", "Where did you learn?")
    texts = [campaign.index(text) for text in asked]
    assert texts == sorted(texts), "the prompts in the order asked"
    number = location.rsplit("/", 1)[1]
    started = await (await web_client.post(f"{location}/start", data={"csrf": csrf})).text()
    assert "Done:" in started
    assert "scheduled" in (await ok(chat(ANA), f"campaign show {number}")).text


async def test_members_may_not_create(chat: Any, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    csrf = await sign_in(chat, web_client, BOB)
    assert (await web_client.get("/app/campaigns/new")).status == 403
    refused = await web_client.post("/app/campaigns/new", data={**FORM, "csrf": csrf, "do": "create"})
    assert refused.status == 403
    assert "Friday pulse" not in (await ok(chat(ANA), "campaign list")).text


async def test_add_a_prompt_keeps_what_was_typed(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    csrf = await sign_in(chat, web_client, ANA)
    response = await web_client.post("/app/campaigns/new", data={**FORM, "csrf": csrf, "do": "more"})
    more = await response.text()
    assert 'name="prompt-3-text"' in more and 'value="Friday pulse"' in more
    assert more.index("What did you ship?") < more.index("How was your week?")


async def test_a_template_fills_the_form_in_and_is_recorded(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    csrf = await sign_in(chat, web_client, ANA)
    blank = await (await web_client.get("/app/campaigns/new")).text()
    assert 'name="template"' in blank and '<option value="weekly-learning">Weekly learning share' in blank
    page = await (await web_client.get("/app/campaigns/new?template=weekly-learning")).text()
    assert 'value="Weekly learning share"' in page and "From the template: Weekly learning share" in page
    assert 'value="What did you learn this week?"' in page
    assert 'value="On a project | From a colleague | Reading or a course | By trying things"' in page
    assert '<input type="hidden" name="template" value="weekly-learning">' in page
    chosen = FORM | {"title": "Weekly learning share", "template": "weekly-learning", "csrf": csrf,
                     "do": "create"}
    created = await web_client.post("/app/campaigns/new", data=chosen, allow_redirects=False)
    assert created.status == 303, await created.text()
    async with db.uow() as uow:
        campaign = await uow.session.get(Campaign, int(created.headers["Location"].rsplit("/", 1)[1]))
    assert campaign is not None and campaign.template == "weekly-learning"
    unknown = await web_client.get("/app/campaigns/new?template=no-such-thing")
    assert unknown.status == 404 and "no-such-thing" in await unknown.text()
