"""Issue 12, finding 5, in Teams: member text with mentions, links and markup, as real Teams receives it.

Group names and descriptions, an announcement in a channel, a question card and the answer written on
it, a campaign's title, prompts, choices and answers: each goes through the real botbuilder adapter to
the fake connector, and every activity is read as Teams would read it. In Markdown (text messages, card
``TextBlock``s and facts) the member's ``*b*``, ``_i_``, ``~s~``, backquotes and ``[a](https://x)``
neither format nor link and ``<at>`` is no mention; in plain text (button titles, input labels,
choices, the fallback) Teams shows what was typed. The data is written from the console: Teams'
own ingress drops tags from what members type.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.delivery.dispatcher import Dispatcher
from core.ports import FakeClock
from core.services import Services
from tests.campaign_support import give_role, set_member, tick
from tests.fakes.bot_connector import Call
from tests.hostile_support import HOSTILE, NAME, TEAMS_MARKUP, TEAMS_SHOWN
from tests.teams.conftest import TeamsClient
from tests.teams.test_commands import submits

SLUG = "channel-u123-https-x-y-b-i-s-c-a-https-x-b"
TEAMS_NAME = TEAMS_SHOWN.removesuffix(" <\u200bat>Ana<\u200b/at>")
OPTION = NAME.replace("|", "/")


def read(body: dict[str, Any]) -> tuple[str, str]:
    """What Teams reads as Markdown in an activity (its text, the cards' text blocks and facts) and what
    it shows as plain text (action titles, input labels, choices, fallbacks); no Markdown may hold
    member markup."""
    parsed = [body.get("text") or ""]
    shown = [body.get("summary") or ""]

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
            return
        if not isinstance(value, dict):
            return
        kind = str(value.get("type", ""))
        if kind == "TextBlock":
            parsed.append(value["text"])
        elif kind == "FactSet":
            parsed.extend(text for fact in value["facts"] for text in (fact["title"], fact["value"]))
        elif kind.startswith("Action."):
            shown.append(value["title"])
        shown.extend(str(value[key]) for key in ("label", "placeholder", "fallbackText") if key in value)
        shown.extend(choice["title"] for choice in value.get("choices", []))
        for item in value.values():
            walk(item)

    walk(body.get("attachments") or [])
    text = "\n".join(parsed)
    assert not any(markup in text for markup in TEAMS_MARKUP), text
    return text, "\n".join(shown)


def to(teams: TeamsClient, who: str, before: int) -> list[Call]:
    """What reached ``who``'s personal chat since call ``before``."""
    return [call for call in teams.connector.calls[before:]
            if f"a:1personal-{who}" in call.path and call.body is not None]


async def test_group_names_descriptions_and_an_announcement(
        teams: TeamsClient, chat, router, services: Services) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    assert not (await ana.say(f'group create "{NAME}" -- {HOSTILE}')).error
    (listed,) = await teams.say("group list", user="bob")
    text, _ = read(listed.body or {})
    assert f"**{TEAMS_NAME}**" in text and TEAMS_SHOWN in text
    (info,) = await teams.say(f"group info {SLUG}", user="bob")
    text, shown = read(info.body or {})
    assert text.startswith(f"\n{TEAMS_NAME}\n") and TEAMS_SHOWN in text and NAME in shown  # title, text

    await teams.say(f"group link {SLUG}", channel=True)
    before = len(teams.connector.calls)
    assert not (await ana.say(f"group announce {SLUG} {HOSTILE}")).error
    await Dispatcher(services).run_once()                          # if announcements go through the outbox
    (announcement,) = [call for call in teams.connector.calls[before:] if call.body is not None]
    text, shown = read(announcement.body or {})
    assert TEAMS_SHOWN in text and TEAMS_NAME in text and HOSTILE in shown


async def test_a_question_card_and_the_answer_written_on_it(
        teams: TeamsClient, chat, router) -> None:  # type: ignore[no-untyped-def]
    await teams.say("expert add kubernetes", user="bob")
    before = len(teams.connector.calls)
    assert not (await chat("ana@example.com").say(f"ask {HOSTILE} how do I deploy on kubernetes?")).error
    (card,) = to(teams, "bob", before)
    assert TEAMS_SHOWN in read(card.body or {})[0]
    answer = next(a["data"] for a in submits(card.body) if a["data"]["action_id"] == "question.answer")
    status, (form,) = await teams.submit(answer, user="bob", reply_to="act-card-1")
    assert status == 200 and TEAMS_SHOWN in read(form.body or {})[0]
    send = next(a["data"] for a in submits(form.body) if a["data"]["action_id"] == "question.submit")
    status, calls = await teams.submit({**send, "in.answer": HOSTILE}, user="bob", reply_to="act-card-1")
    assert status == 200
    texts = [read(call.body or {})[0] for call in calls]           # the card now shows the answer
    assert any(TEAMS_SHOWN in text for text in texts), texts


async def test_a_campaign_s_title_prompts_choices_and_the_report(
        teams: TeamsClient, chat, services: Services, clock: FakeClock, router) -> None:  # type: ignore[no-untyped-def]
    await teams.say("group create Data Science")
    await teams.say("group join data-science", user="bob")
    await give_role(services.db, "ana@example.com", "animator")
    for email in ("ana@example.com", "bob@example.com"):
        await set_member(services.db, email, timezone="Europe/Paris")
    ana = chat("ana@example.com")
    form = (await ana.say("campaign new")).form
    assert form is not None
    values = {field.name: field.initial for field in form.inputs} | {
        "title": HOSTILE, "groups": "data-science", "recurrence": "FREQ=DAILY",
        "prompts": f"{HOSTILE}\n{HOSTILE} :: {OPTION} | plain"}
    assert not (await ana.click(form.action_id, form.value, **values)).error
    assert not (await ana.say("campaign start 1")).error
    before = len(teams.connector.calls)
    for _ in range(48):
        clock.advance(timedelta(hours=1))
        await tick(services)
        if to(teams, "bob", before):
            break
    (prompt,) = to(teams, "bob", before)
    text, shown = read(prompt.body or {})
    assert text.count(TEAMS_SHOWN) >= 3 and OPTION in shown and HOSTILE in shown  # title, prompts, choice
    write = next(a["data"] for a in submits(prompt.body) if a["data"]["action_id"] == "campaign.write")
    status, (opened,) = await teams.submit(write, user="bob", reply_to="act-prompt-1")
    text, shown = read(opened.body or {})
    assert status == 200 and TEAMS_SHOWN in text and HOSTILE in shown  # the title, and the prompt as a label
    send = next(a["data"] for a in submits(opened.body) if a["data"]["action_id"] == "campaign.text")
    await teams.submit({**send, "in.answer": HOSTILE}, user="bob", reply_to="act-prompt-1")
    (report,) = await teams.say("campaign report 1")
    assert read(report.body or {})[0].count(TEAMS_SHOWN) >= 3       # title, prompts and the answer
