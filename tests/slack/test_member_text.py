"""Issue 12, finding 5, in Slack: member text with mentions, links and markup, as real Slack receives it.

Group names and descriptions, an announcement, a question and its answer, a campaign's title, prompts,
choices and answers, the Home tab: each goes through the real Bolt app and the SlackMessenger to the
fake Web API, and every payload is read as Slack would read it. In mrkdwn (every text object is
``verbatim``) the member's ``<!channel>``, ``<@U123>`` and ``<https://x|y>`` are entities, and their
``*b*``, ``_i_``, ``~s~``, backquotes and ``[a](https://x)`` neither format nor link; in plain text
(headers, buttons, labels) Slack shows what was typed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.delivery.dispatcher import Dispatcher
from core.ports import FakeClock
from core.services import Services
from tests.campaign_support import tick
from tests.conftest import give_role
from tests.fakes.slack_api import FakeSlackApi, user
from tests.hostile_support import HOSTILE, NAME, SLACK_MARKUP, SLACK_SHOWN
from tests.slack.conftest import ANA, LEA, Slack
from tests.slack.dm_support import button, click_in, dms_to, opened_view

BOB = "U0BOB"
SLUG = "channel-u123-https-x-y-b-i-s-c-a-https-x-b"
#: ``NAME`` in mrkdwn
SLACK_NAME = SLACK_SHOWN.removesuffix(" &lt;at&gt;Ana&lt;/at&gt;")
OPTION = NAME.replace("|", "/")


def read(payload: Any) -> tuple[str, str]:
    """What Slack parses as mrkdwn in ``payload`` (every text object ``verbatim``, and the top-level
    ``text`` of a message) and what it shows as plain text; nothing parsed may hold member markup."""
    parsed: list[str] = []
    shown: list[str] = []

    def walk(value: Any, top: bool = False) -> None:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn":
                assert value.get("verbatim") is True, value
                parsed.append(value["text"])
            elif value.get("type") == "plain_text":
                shown.append(value["text"])
            if top and isinstance(value.get("text"), str):
                parsed.append(value["text"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(payload, top=True)
    text = "\n".join(parsed)
    assert not any(markup in text for markup in SLACK_MARKUP), text
    return text, "\n".join(shown)


async def ok(slack: Slack, text: str, user_id: str = ANA, channel: str = "C0GENERAL") -> dict[str, Any]:
    status, ack = await slack.command(text, user_id=user_id, channel=channel)
    assert status == 200 and ack is not None and not ack["text"].startswith(":warning:"), ack
    return dict(ack)


async def test_group_names_descriptions_announcements_and_the_home_tab(
        slack: Slack, services: Services, chat) -> None:  # type: ignore[no-untyped-def]
    assert not (await chat("ana@example.com").say(f'group create "{NAME}" -- {HOSTILE}')).error
    listed, _ = read(await ok(slack, "group list", LEA))
    assert f"*{SLACK_NAME}*" in listed and SLACK_SHOWN in listed
    info, header = read(await ok(slack, f"group info {SLUG}", LEA))
    assert SLACK_SHOWN in info and header.startswith(f"{NAME}\n")  # a header is plain text

    await ok(slack, f"group link {SLUG}")
    await ok(slack, f"group announce {SLUG} {HOSTILE}")
    await Dispatcher(services).run_once()                          # if announcements go through the outbox
    posted = await slack.api.wait_calls("chat.postMessage", 1)
    (announcement,) = [call for call in posted if call.args["channel"] == "C0GENERAL"]
    text, title = read(announcement.args)
    assert SLACK_SHOWN in text and NAME in title

    await slack.event("app_home_opened", user=ANA)
    (home,) = slack.api.made("views.publish")
    text, _ = read(home.args["view"])
    assert SLACK_NAME in text


async def test_a_question_and_its_answer(slack: Slack) -> None:
    await ok(slack, "expert add kubernetes", LEA)
    await ok(slack, f"ask {HOSTILE} how do I deploy on kubernetes?")
    (card,) = dms_to(slack, LEA)
    assert SLACK_SHOWN in read(card.args)[0]
    await click_in(slack, card, button(card, "question.answer"), LEA)
    view = opened_view(slack)
    assert SLACK_SHOWN in read(view)[0]                            # the question, above the answer box
    await slack.submit(view, {"answer": HOSTILE}, user_id=LEA)
    (answer,) = dms_to(slack, ANA)
    text, _ = read(answer.args)
    assert text.count(SLACK_SHOWN) >= 2                            # the question and the answer
    (update,) = slack.api.made("chat.update")
    assert SLACK_SHOWN in read(update.args)[0]
    await slack.event("app_home_opened", user=ANA)
    (home,) = slack.api.made("views.publish")
    assert SLACK_SHOWN in read(home.args["view"])[0]


async def test_a_campaign_s_title_prompts_choices_and_answers(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    api.users[BOB] = user(BOB, "bob@example.com", "Bob Stone")
    await ok(slack, "group create Data Science")
    await ok(slack, "group join data-science", BOB)
    await give_role(services.db, "ana@example.com", "animator")
    await slack.command("campaign new")
    prompts = f"{HOSTILE}\n{HOSTILE} :: {OPTION} | plain"
    status, ack = await slack.submit(opened_view(slack), {
        "title": HOSTILE, "groups": "data-science", "recurrence": "once", "timezone": "Europe/Paris",
        "start": "2026-03-03", "prompts": prompts})
    assert status == 200 and ack is None, ack
    await ok(slack, "campaign start 1")
    clock.current = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
    await tick(services)
    (prompt,) = dms_to(slack, BOB)
    text, shown = read(prompt.args)
    assert text.count(SLACK_SHOWN) >= 3 and HOSTILE in shown and OPTION in shown   # title, prompts, choice

    await click_in(slack, prompt, button(prompt, "campaign.write"), BOB)
    view = opened_view(slack)
    _, shown = read(view)
    assert HOSTILE in shown and HOSTILE.startswith(view["title"]["text"].removesuffix("…"))
    await slack.submit(view, {"answer": HOSTILE}, user_id=BOB)
    report, _ = read(await ok(slack, "campaign report 1"))
    assert report.count(SLACK_SHOWN) >= 3                          # title, prompts and the answer
