"""Referent hand-off in Slack (issue 19, part 2), through signed requests to the real Bolt app and the
SlackMessenger: a referent's Pass hands the question to the next referent's direct messages; an
answer the first referent submits after their time ran out is still kept, the asker gets it, and the
next referent's card is edited to say it was answered."""

from __future__ import annotations

from datetime import timedelta

from core.experts.routing import expire_due_questions
from core.ports import FakeClock
from core.schema import Question
from core.services import Services
from tests.conftest import give_role
from tests.fakes.slack_api import FakeSlackApi, user
from tests.slack.conftest import ANA, LEA, Slack
from tests.slack.dm_support import button, buttons, click_in, dms_to, opened_view, text_of
from tests.slack.test_expert_flow import BOB, add_bob, ok

NO_SKILL = "ask who can explain quantum chromodynamics lattice methods?"
CARL = "U0CARL"


async def referents(slack: Slack, api: FakeSlackApi, services: Services) -> None:
    """Léa, Bob and Carl are referents, in that order; Carl is away."""
    add_bob(api)
    api.users[CARL] = user(CARL, "carl@example.com", "Carl Weber")
    for who, email in ((LEA, "lea@example.com"), (CARL, "carl@example.com"), (BOB, "bob@example.com")):
        await ok(slack, "expert me", who)  # seen once on Slack: a member with a Slack identity
        await give_role(services.db, email, "referent")
    await ok(slack, "expert away", CARL)


async def test_a_referent_passes_and_the_next_free_one_gets_it(
        slack: Slack, api: FakeSlackApi, services: Services) -> None:
    await referents(slack, api, services)
    routed = await ok(slack, NO_SKILL, ANA)
    assert "Léa" in routed
    (card,) = dms_to(slack, LEA)
    status, _ = await click_in(slack, card, button(card, "question.pass"), LEA)
    assert status == 200
    assert not dms_to(slack, CARL), "away: no escalation for Carl"
    (moved,) = dms_to(slack, BOB)
    assert "quantum" in text_of(moved) and button(moved, "question.answer")["value"] == "1"
    told = dms_to(slack, ANA)[-1]
    assert "Bob Stone" in text_of(told) and "another referent" in text_of(told)
    async with services.db.uow() as uow:
        question = await uow.session.get(Question, 1)
    assert question is not None and question.status == "escalated" and question.hops == 1


async def test_a_late_answer_is_kept_and_the_next_referent_told(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    await referents(slack, api, services)
    await ok(slack, NO_SKILL, ANA)
    (card,) = dms_to(slack, LEA)
    await click_in(slack, card, button(card, "question.answer"), LEA)
    view = opened_view(slack)                                   # Léa starts writing…
    clock.advance(timedelta(hours=4, minutes=1))
    assert await expire_due_questions(services) == 1            # …her time runs out: to Bob
    (bobs,) = dms_to(slack, BOB)
    status, ack = await slack.submit(view, {"answer": "Ask the physics lab."}, user_id=LEA)
    assert status == 200 and ack is None, ack                   # kept, not "no longer open"
    answer = dms_to(slack, ANA)[-1]
    assert "Ask the physics lab." in text_of(answer) and button(answer, "question.helpful", "1:yes")
    updated = [call for call in slack.api.made("chat.update") if call.args["ts"] == bobs.result["ts"]]
    assert updated and "Léa Dubois" in text_of(updated[-1]) and not list(buttons(updated[-1]))
    async with services.db.uow() as uow:
        question = await uow.session.get(Question, 1)
    assert question is not None and question.status == "answered"
