"""A campaign posted in a channel, created from the web console: the audience is "groups" (each member
privately) or "a channel post" (the chat's channel mode), the channel picked among the channels linked
to groups the animator may see. The campaign is the one the chat's form creates; its preview says
where and when rounds are posted; a wrong channel, or a private group's channel, is refused next to
the field with everything typed kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from sqlmodel import select

from core.campaigns.models import Campaign
from core.commands import Invocation
from core.ports import ConversationRef
from tests.campaign_support import ANA, BOB, CARL, demo_group, inbox, ok, tick
from tests.web.conftest import sign_in
from tests.web.test_creation import FORM

DATA = ConversationRef("console", "local", "C-data")
BOARD = ConversationRef("console", "local", "C-board")
CHANNEL_FORM = FORM | {"mode": "channel", "channel": "C-data", "timezone": "Europe/Paris", "count": "1"}


async def link(router: Any, chat: Any, email: str, group: str, where: ConversationRef) -> None:
    """``group link <group>`` typed in the channel ``where``."""
    linked = await router.handle(Invocation(chat(email).actor, f"group link {group}", where))
    assert not linked.error, linked.text


async def campaigns(db: Any) -> list[Campaign]:
    async with db.uow() as uow:
        return list((await uow.session.exec(select(Campaign).order_by(Campaign.id))).all())  # type: ignore[arg-type]


def error_of(html: str, name: str) -> str:
    """The error shown next to the input ``name`` (its ``e-<name>`` element), or ``""``."""
    found = re.search(rf'<p class="field-error" id="e-{name}">(.*?)</p>', html, re.S)
    return unescape(found.group(1)) if found else ""


async def test_a_channel_campaign_from_the_web_form_is_posted_in_the_channel(  # type: ignore[no-untyped-def]
        chat, router, web_client, db, clock, messenger, services) -> None:
    await demo_group(chat, db)
    await link(router, chat, ANA, "data science", DATA)
    csrf = await sign_in(chat, web_client, ANA)
    blank = await (await web_client.get("/app/campaigns/new")).text()
    assert 'type="radio" name="mode" value="direct" checked' in blank, "groups first, as before"
    assert '<option value="C-data">#C-data (Data Science)</option>' in blank

    shown = await (await web_client.post("/app/campaigns/new", data={**CHANNEL_FORM, "csrf": csrf,
                                                                     "do": "preview"})).text()
    assert "Each round is posted in #C-data at the chosen time in Europe/Paris" in shown
    assert "Fri 2026-03-13 09:30" in shown and "America/New_York" not in shown, "one zone: the campaign's"
    assert 'value="channel" checked' in shown and '<option value="C-data" selected>' in shown

    created = await web_client.post("/app/campaigns/new", data={**CHANNEL_FORM, "csrf": csrf, "do": "create"},
                                    allow_redirects=False)
    assert created.status == 303, await created.text()
    location = created.headers["Location"]
    assert "Done:" in await (await web_client.post(f"{location}/start", data={"csrf": csrf})).text()

    # the chat's own form, given the same answers, makes the same campaign
    same = ("title", "start", "time", "recurrence", "timezone", "count", "reminders", "reminder_after",
            "close_after")
    chat_values = {name: CHANNEL_FORM[name] for name in same}
    replied = await chat(ANA).click("campaign.create", "", **chat_values, description="", groups="",
                                    mode="channel", channel="C-data", until="", skip_weekends="yes",
                                    skip_holidays="no", anonymous="no", summary_channels="no",
                                    prompts="What did you ship?\nHow was your week? :: 1-5\n"
                                            "Where did you learn? :: Project | Colleague | Course")
    assert not replied.error, replied.text
    web, by_chat = await campaigns(db)
    assert web.audience == by_chat.audience == {
        "groups": [], "channels": [{"platform": "console", "tenant": "local", "channel": "C-data"}],
        "mode": "channel"}
    for name in ("title", "starts_at", "recurrence", "timezone", "count", "local_time", "skip_weekends",
                 "skip_holidays", "reminders", "reminder_after_minutes", "close_after_minutes", "anonymous",
                 "summary_to_channels", "language"):
        assert getattr(web, name) == getattr(by_chat, name), name

    clock.current = datetime(2026, 3, 13, 9, 0, tzinfo=UTC)  # 10:00 in Paris: round 1 is due
    await tick(services)
    posts = [(to, reply) for kind, to, reply in messenger.sent if kind == "post"]
    assert [to for to, _ in posts] == [DATA], posts
    assert "What did you ship?" in posts[0][1].text + "".join(s.text for s in posts[0][1].sections)
    assert not [reply for reply in inbox(messenger, BOB) if "What did you ship?" in reply.text]


async def test_a_wrong_channel_shows_the_form_again_with_the_message(  # type: ignore[no-untyped-def]
        chat, router, web_client, db) -> None:
    await demo_group(chat, db)
    await link(router, chat, ANA, "data science", DATA)
    csrf = await sign_in(chat, web_client, ANA)
    for do in ("preview", "create"):
        again = await web_client.post("/app/campaigns/new", data={**CHANNEL_FORM, "channel": "C-nowhere",
                                                                   "csrf": csrf, "do": do})
        html = await again.text()
        assert again.status == 200
        assert "C-nowhere" in error_of(html, "channel") and "not a channel you may post in" in html, do
        assert 'aria-describedby="h-channel e-channel"' in html and 'aria-invalid="true"' in html
        assert 'value="Friday pulse"' in html and 'value="channel" checked' in html
        assert 'value="What did you ship?"' in html and 'value="Europe/Paris"' in html
    missing = await (await web_client.post("/app/campaigns/new", data={**CHANNEL_FORM, "channel": "",
                                                                       "csrf": csrf, "do": "create"})).text()
    assert "Pick the channel" in error_of(missing, "channel")
    assert await campaigns(db) == []

    french = await (await web_client.post("/app/campaigns/new", data={
        **CHANNEL_FORM, "channel": "C-nowhere", "title": "", "csrf": csrf, "do": "create"})).text()
    assert error_of(french, "title"), "every wrong input named next to it, not only the channel"
    await ok(chat(ANA), "lang fr")
    csrf = await sign_in(chat, web_client, ANA)
    french = await (await web_client.post("/app/campaigns/new", data={
        **CHANNEL_FORM, "channel": "C-nowhere", "csrf": csrf, "do": "create"})).text()
    assert "n'est pas un canal où vous pouvez publier" in error_of(french, "channel")


async def test_a_private_groups_channel_cannot_be_targeted(  # type: ignore[no-untyped-def]
        chat, router, web_client, db) -> None:
    await demo_group(chat, db)
    await link(router, chat, ANA, "data science", DATA)
    board = await chat(CARL).say("group create Board Room --private -- Strategy")
    assert not board.error, board.text
    await link(router, chat, CARL, "board room", BOARD)
    csrf = await sign_in(chat, web_client, ANA)
    page = await (await web_client.get("/app/campaigns/new")).text()
    assert "C-data" in page and "C-board" not in page and "Board Room" not in page
    refused = await (await web_client.post("/app/campaigns/new", data={
        **CHANNEL_FORM, "channel": "C-board", "csrf": csrf, "do": "create"})).text()
    assert "not a channel you may post in" in error_of(refused, "channel")
    assert "Board Room" not in refused
    # nor through the chat's form, where the channel is typed
    typed = await chat(ANA).click("campaign.create", "", title="Sneaky", groups="", mode="channel",
                                  channel="C-board", start="2026-03-13", time="09:30", prompts="Hello?")
    assert typed.error and "not a channel you may post in" in typed.text and "Board Room" not in typed.text
    assert await campaigns(db) == []
