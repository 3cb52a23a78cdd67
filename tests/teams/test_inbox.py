"""What is waiting for me, in Teams (issue 19, part 1), through the real botbuilder adapter with signed
activities and the fake connector.

Bob was away when Ana's question reached his personal chat: he answers it later from ``inbox`` (the
Answer button on the card opens the answer card) or with ``question answer <id> <text>``; Chloé, to
whom it was not routed, is refused. Bob missed a campaign prompt and answers all of it from ``inbox``
(Teams replaces a clicked card by the reply, so he opens the prompt again for its second question).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from core.i18n import Translator
from core.ports import FakeClock
from core.schema import Response
from core.services import Services
from tests.campaign_support import give_role, set_member, tick
from tests.fakes.bot_connector import Call
from tests.teams.conftest import TeamsClient
from tests.teams.test_commands import shown, submits

EN = Translator("en")
QUESTION = "how do I deploy on kubernetes?"


def actions(call: Call, action_id: str) -> list[dict[str, Any]]:
    """The data of every Action.Submit of a card whose action is ``action_id``."""
    return [a["data"] for a in submits(call.body) if a["data"]["action_id"] == action_id]


async def say(teams: TeamsClient, text: str, user: str = "ana") -> Call:
    """The one reply to ``user``'s message in their chat (others' messages and card updates aside)."""
    calls = await teams.say(text, user=user)
    (reply,) = [c for c in calls if f"a:1personal-{user}" in c.path and c.method == "POST"]
    return reply


async def routed_to_bob(teams: TeamsClient) -> None:
    await teams.say("expert add kubernetes", user="bob")
    assert "Bob" in shown(await say(teams, f"ask {QUESTION}"))


async def test_an_expert_away_answers_from_the_inbox(teams: TeamsClient, services: Services) -> None:
    await routed_to_bob(teams)
    waiting = await say(teams, "inbox", user="bob")
    assert "Questions for you to answer" in shown(waiting) and QUESTION in shown(waiting)
    (answer,) = actions(waiting, "question.answer")
    assert actions(waiting, "question.pass") == [{**answer, "action_id": "question.pass"}]
    status, (form,) = await teams.submit(answer, user="bob", reply_to="act-inbox-1")
    assert status == 200
    (send,) = actions(form, "question.submit")
    status, calls = await teams.submit({**send, "in.answer": "Use helm and a readiness probe."}, user="bob",
                                       reply_to="act-inbox-1")
    assert status == 200 and any("Thanks! Your answer to question #1" in shown(c) for c in calls)

    listed = await say(teams, "question list")
    assert "[answered]" in shown(listed) and "Use helm and a readiness probe." in shown(listed)
    empty = await say(teams, "inbox", user="bob")
    assert EN("inbox.empty").split(":")[0] in shown(empty)


async def test_question_answer_by_id_and_a_question_not_routed_to_you(teams: TeamsClient) -> None:
    await routed_to_bob(teams)
    refused = await say(teams, "question answer 1 I know this", user="chloe")
    assert EN("question.not_yours", id=1) in shown(refused)
    sent = await say(teams, "question answer 1 Use helm and a readiness probe.", user="bob")
    assert "Thanks! Your answer to question #1" in shown(sent)
    again = await say(teams, "question pass 1", user="bob")
    assert EN("question.already_answered", id=1) in shown(again)


async def test_a_member_reopens_a_missed_prompt_and_answers_every_question(
        teams: TeamsClient, services: Services, clock: FakeClock) -> None:
    await teams.say("group create Data Science")
    await teams.say("group join data-science", user="bob")
    await give_role(services.db, "ana@example.com", "animator")
    for email in ("ana@example.com", "bob@example.com"):
        await set_member(services.db, email, timezone="Europe/Paris")
    created = await say(teams, "campaign new weekly-learning groups=data-science recurrence=once")
    assert "Weekly learning share" in shown(created)
    await teams.say("campaign start 1")
    before = len(teams.connector.calls)
    for _ in range(48):                                             # until the prompt reached Bob
        clock.advance(timedelta(hours=1))
        await tick(services)
        if any("a:1personal-bob" in c.path for c in teams.connector.calls[before:]):
            break

    (waiting,) = await teams.say("inbox", user="bob")               # he did not look at it
    assert "“Weekly learning share”: 2 of 2 questions not answered" in shown(waiting)
    (open_,) = actions(waiting, "campaign.reopen")
    status, (prompt,) = await teams.submit(open_, user="bob", reply_to="act-inbox-2")
    assert status == 200 and "2 of 2 questions still to answer" in shown(prompt)
    choice = actions(prompt, "campaign.answer")[1]                  # "From a colleague"
    status, (saved,) = await teams.submit(choice, user="bob", reply_to="act-prompt-2")
    assert status == 200 and saved.method == "PUT"                  # Teams: the clicked card now says so

    waiting = await say(teams, "inbox", user="bob")                 # so Bob opens the prompt again
    assert "“Weekly learning share”: 1 of 2 questions not answered" in shown(waiting)
    (open_,) = actions(waiting, "campaign.reopen")
    status, (prompt,) = await teams.submit(open_, user="bob", reply_to="act-inbox-3")
    assert "✓ Your answer: From a colleague" in shown(prompt)
    (write,) = actions(prompt, "campaign.write")
    status, (form,) = await teams.submit(write, user="bob", reply_to="act-prompt-3")
    (send,) = actions(form, "campaign.text")
    status, _ = await teams.submit({**send, "in.answer": "Pairing on the hard parts"}, user="bob",
                                   reply_to="act-prompt-3")
    assert status == 200

    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(Response).order_by(col(Response.prompt_id)))).all()
    assert [(r.text, r.choice) for r in rows] == [("Pairing on the hard parts", None),
                                                  (None, "From a colleague")]
    empty = await say(teams, "inbox", user="bob")
    assert EN("inbox.empty").split(":")[0] in shown(empty)
