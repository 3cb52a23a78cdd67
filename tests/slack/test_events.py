"""Events API: App Home, channel joins, and Slack's retries handled exactly once."""

from __future__ import annotations

from sqlmodel import select

from core.schema import GroupMember, ProcessedEvent
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
