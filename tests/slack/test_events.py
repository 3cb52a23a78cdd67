"""Events API: App Home, channel joins, and Slack's retries handled exactly once."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from core.i18n import Translator
from core.schema import GroupMember, ProcessedEvent
from core.services import Services
from tests.conftest import give_role
from tests.slack.conftest import ANA, LEA, Slack


async def test_app_home_lists_my_groups(slack: Slack) -> None:
    await slack.command("group create Data Science")
    status, _ = await slack.event("app_home_opened")
    assert status == 200
    (published,) = slack.api.made("views.publish")
    assert published.args["user_id"] == ANA
    text = str(published.args["view"]["blocks"])
    assert published.args["view"]["type"] == "home" and "Data Science" in text


async def test_app_home_is_in_french_for_a_french_slack_user(slack: Slack) -> None:
    await slack.event("app_home_opened", user=LEA)
    (published,) = slack.api.made("views.publish")
    assert "Vos groupes" in str(published.args["view"]["blocks"])


def home_text(slack: Slack, user_id: str) -> str:
    """Every text of the Home view last published for ``user_id``."""
    published = [call for call in slack.api.made("views.publish") if call.args["user_id"] == user_id]
    view = published[-1].args["view"]
    assert view["type"] == "home"
    return "\n".join(str(block["text"]["text"]) for block in view["blocks"] if "text" in block)


def ack_text(ack: Any) -> str:
    return "\n".join(str(block["text"]["text"]) for block in ack["blocks"] if "text" in block)


async def ok(slack: Slack, text: str, user_id: str = ANA) -> str:
    status, ack = await slack.command(text, user_id=user_id)
    assert status == 200 and not ack_text(ack).startswith(":warning:"), ack
    return ack_text(ack)


async def test_app_home_shows_what_campaign_list_and_question_list_show(slack: Slack,
                                                                        services: Services) -> None:
    """Ana (animator, expert in Python) runs a campaign for Design, which Léa is not in, and keeps a draft
    for Data Science, which Léa joined but does not see (a draft is its managers' alone); Léa asked Ana
    a question. Each Home tab shows that member's
    ``campaign list`` and ``question list``, in their language."""
    await ok(slack, "group create Data Science")
    await give_role(services.db, "ana@example.com", "animator")
    for command in ("group create Design", "expert add python",
                    "campaign new weekly-learning groups=data-science recurrence=once",
                    "campaign new ice-breakers groups=design recurrence=once", "campaign start 2"):
        await ok(slack, command)
    await ok(slack, "group join data-science", LEA)
    await ok(slack, "ask How do I profile a slow Python script, please?", LEA)
    for number, who in enumerate((LEA, ANA)):
        status, _ = await slack.event("app_home_opened", event_id=f"Ev0HOME{number}", user=who)
        assert status == 200
    fr, en = Translator("fr"), Translator("en")

    lea, ana = home_text(slack, LEA), home_text(slack, ANA)
    lea_campaigns, ana_campaigns = await ok(slack, "campaign list", LEA), await ok(slack, "campaign list")
    draft = fr("campaign.list_line", id=1, title="Weekly learning share", status=fr("campaign.status_draft"))
    assert draft not in lea and draft not in lea_campaigns, "a draft is Ana's alone (issue 19)"
    assert "Weekly learning share" in ana and "Weekly learning share" in ana_campaigns
    assert "n° 2" not in lea and "n° 2" not in lea_campaigns, "Design's campaign is not aimed at Léa"
    for line in ana_campaigns.splitlines()[1:]:
        assert line in ana, line
    assert re.findall(r"#(\d+) ", ana_campaigns) == ["2", "1"]

    lea_questions, ana_questions = await ok(slack, "question list", LEA), await ok(slack, "question list")
    asked = fr("question.list_line", id=1, status=fr("question.status_routed"),
               text="How do I profile a slow Python script, please?")
    assert asked in lea and asked in lea_questions
    assert en("question.list_assigned") in ana and en("question.list_assigned") in ana_questions
    assert "#1 [" in ana and "#1 [" in ana_questions


async def test_a_retried_event_is_processed_once(slack: Slack, services) -> None:
    for retry in (None, 1, 2, 3):
        status, _ = await slack.event("app_home_opened", retry=retry)
        assert status == 200
    assert len(slack.api.made("views.publish")) == 1
    async with services.db.uow() as uow:
        assert len((await uow.session.exec(select(ProcessedEvent))).all()) == 1


async def test_a_failed_event_is_done_by_the_next_retry(slack: Slack) -> None:
    slack.api.fail("views.publish", "internal_error")
    status, _ = await slack.event("app_home_opened")
    assert status == 500  # Slack will retry
    status, _ = await slack.event("app_home_opened", retry=1)
    assert status == 200
    assert len(slack.api.made("views.publish")) == 1


async def test_joining_a_linked_channel_joins_the_group_once(slack: Slack, services) -> None:
    await slack.command("group create Data Science")
    await slack.command("group link data-science", channel="C0DATA")
    for retry in (None, 1):
        status, _ = await slack.event("member_joined_channel", retry=retry)
        assert status == 200
    async with services.db.uow() as uow:
        assert len((await uow.session.exec(select(GroupMember))).all()) == 2
    (told,) = await slack.api.wait_calls("chat.postEphemeral", 1)
    assert told.args["user"] == LEA and told.args["channel"] == "C0DATA"


async def test_joining_an_unlinked_channel_does_nothing(slack: Slack, services) -> None:
    await slack.command("group create Data Science")
    status, _ = await slack.event("member_joined_channel", channel="C0RANDOM")
    assert status == 200
    async with services.db.uow() as uow:
        assert len((await uow.session.exec(select(GroupMember))).all()) == 1
