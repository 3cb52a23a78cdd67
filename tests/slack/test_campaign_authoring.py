"""Campaign authoring in Slack (issue 19): a modal submitted with mistakes keeps everything and shows each
problem under its input, named by its label (a real signed ``view_submission``, answered with
``response_action: errors``); a French member of a campaign made from the English template reads the
French prompt in their direct message. Real Bolt app; the only fake is the Slack Web API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from core.schema import Campaign
from core.services import Services
from tests.campaign_support import tick
from tests.conftest import give_role
from tests.fakes.slack_api import FakeSlackApi, user
from tests.slack.conftest import LEA, Slack
from tests.slack.dm_support import buttons, dms_to, opened_view, text_of

BOB = "U0BOB"


async def _form(slack: Slack, services: Services) -> dict:  # type: ignore[type-arg]
    await slack.command("group create Data Science")
    for who in (LEA, BOB):
        await slack.command("group join data-science", user_id=who)
    await give_role(services.db, "ana@example.com", "animator")
    await slack.command("campaign new weekly-learning", channel="C0DATA")
    return opened_view(slack)


async def test_every_wrong_input_is_shown_under_it_and_a_fixed_one_creates(
        slack: Slack, api: FakeSlackApi, services: Services) -> None:
    api.users[BOB] = user(BOB, "bob@example.com", "Bob Stone")
    view = await _form(slack, services)
    typed = {"title": "Typed with care", "groups": "no-such-group", "reminder_after": "72",
             "start": "2026-03-13"}
    status, ack = await slack.submit(view, typed)
    assert status == 200 and ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"groups", "reminder_after"}          # both, each under its input
    assert "no-such-group" in ack["errors"]["groups"]
    assert "at or after the close" in ack["errors"]["reminder_after"]
    status, ack = await slack.submit(view, {**typed, "groups": "data-science", "reminder_after": "0.5"})
    assert list(ack["errors"]) == ["reminder_after"]
    assert ack["errors"]["reminder_after"].startswith("“Remind after (hours)” must be")  # the label
    status, ack = await slack.submit(view, {**typed, "groups": "data-science", "reminder_after": "24"})
    assert status == 200 and ack is None                               # the modal closes
    async with services.db.uow() as uow:
        (campaign,) = (await uow.session.exec(select(Campaign))).all()
    assert campaign.title == "Typed with care"


async def test_a_french_member_reads_the_french_prompt(slack: Slack, api: FakeSlackApi, services: Services,
                                                       clock) -> None:  # type: ignore[no-untyped-def]
    api.users[BOB] = user(BOB, "bob@example.com", "Bob Stone", locale="en-US")
    api.users[LEA]["locale"] = "fr-FR"                                  # Léa's Slack speaks French
    view = await _form(slack, services)
    status, ack = await slack.submit(view, {"groups": "data-science", "recurrence": "once",
                                            "timezone": "Europe/Paris", "start": "2026-03-03"})
    assert status == 200 and ack is None, ack
    await slack.command("campaign start 1")
    clock.current = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    await tick(services)
    (french,) = dms_to(slack, LEA)
    (english,) = dms_to(slack, BOB)
    assert "Qu'avez-vous appris cette semaine ?" in text_of(french)
    assert "What did you learn" not in text_of(french)
    assert "Sur un projet" in [b["text"]["text"] for b in buttons(french)]
    assert "What did you learn this week?" in text_of(english)
