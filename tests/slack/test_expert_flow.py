"""An expert question end to end in Slack: ``/parvis ask`` routes it to an expert's direct messages,
the Answer button opens a modal, an empty answer is refused inside the modal in the expert's language,
a good one reaches the asker with Helpful / Not helpful and turns the expert's card into "answered";
Pass hands the question to the next expert. Everything goes through the real Bolt app and the
SlackMessenger to the fake Web API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from bots.bootstrap import build_app, build_services
from bots.config import Config, DatabaseConfig, SchedulerConfig
from core.capabilities import build_registry
from core.delivery.dispatcher import Dispatcher
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import Answer, Question
from core.services import Services
from tests.fakes.slack_api import FakeSlackApi, user
from tests.slack.conftest import ANA, LEA, Slack, slack_config
from tests.slack.dm_support import button, buttons, click_in, dms_to, opened_view, text_of

BOB = "U0BOB"
QUESTION = "how do I deploy on kubernetes?"


def add_bob(api: FakeSlackApi) -> None:
    api.users[BOB] = user(BOB, "bob@example.com", "Bob Stone")


async def ok(slack: Slack, text: str, user_id: str) -> str:
    status, ack = await slack.command(text, user_id=user_id)
    assert status == 200 and ack is not None, ack
    assert not ack.get("blocks", [{}])[0].get("text", {}).get("text", "").startswith(":warning:"), ack
    return str(ack["text"])


async def test_ask_answer_in_a_modal_then_helpful(slack: Slack, services: Services) -> None:
    await ok(slack, "expert add kubernetes", LEA)                 # Léa (French) is the expert
    routed = await ok(slack, f"ask {QUESTION}", ANA)
    assert "Léa" in routed
    (card,) = dms_to(slack, LEA)                                   # sent after commit, through Slack
    assert QUESTION in text_of(card)
    answer_button, pass_button = button(card, "question.answer"), button(card, "question.pass")
    assert answer_button["value"] == pass_button["value"] == "1"  # the ids round-trip through Block Kit

    status, ack = await click_in(slack, card, answer_button, LEA)
    assert status == 200 and ack is None
    view = opened_view(slack)
    assert slack.api.made("views.open")[-1].args["trigger_id"]
    assert view["callback_id"] == "question.submit" and len(view["title"]["text"]) <= 24

    status, ack = await slack.submit(view, {"answer": "   "}, user_id=LEA)
    assert status == 200 and ack["response_action"] == "errors"
    assert ack["errors"] == {"answer": "Votre réponse est vide : écrivez quelque chose avant d’envoyer."}
    assert not dms_to(slack, ANA)

    status, ack = await slack.submit(view, {"answer": "Use helm and a readiness probe."}, user_id=LEA)
    assert status == 200 and ack is None                           # the modal closes
    (answer,) = dms_to(slack, ANA)
    assert "Use helm and a readiness probe." in text_of(answer)
    helpful = button(answer, "question.helpful", "1:yes")
    assert button(answer, "question.helpful", "1:no")
    (update,) = slack.api.made("chat.update")                       # the expert's card, edited in place
    assert (update.args["channel"], update.args["ts"]) == (card.result["channel"], card.result["ts"])
    assert "Use helm" in text_of(update) and not list(buttons(update))
    thanks = await slack.api.wait_calls("chat.postMessage", 3)
    assert "Merci" in text_of(thanks[-1]) and thanks[-1].args["channel"] == LEA

    status, _ = await click_in(slack, answer, helpful, ANA)
    assert status == 200
    (_, said), = await slack.api.wait_responses(1)
    assert said["text"] and said["response_type"] == "ephemeral"
    async with services.db.uow() as uow:
        question = await uow.session.get(Question, 1)
        answers = (await uow.session.exec(select(Answer))).all()
    assert question is not None and question.status == "answered" and question.helpful is True
    assert [a.text for a in answers] == ["Use helm and a readiness probe."]


async def test_pass_sends_the_question_to_the_next_expert(slack: Slack, api: FakeSlackApi,
                                                        services: Services) -> None:
    add_bob(api)
    await ok(slack, "expert add kubernetes", LEA)
    await ok(slack, "expert add k8s", BOB)
    await ok(slack, f"ask {QUESTION}", ANA)
    first = [who for who in (LEA, BOB) if dms_to(slack, who)]
    assert len(first) == 1
    other = BOB if first == [LEA] else LEA
    (card,) = dms_to(slack, first[0])

    status, _ = await click_in(slack, card, button(card, "question.pass"), first[0])
    assert status == 200
    (_, said), = await slack.api.wait_responses(1)
    assert said["response_type"] == "ephemeral"
    assert not said["blocks"][0]["text"]["text"].startswith(":warning:")
    (moved,) = dms_to(slack, other)
    assert QUESTION in text_of(moved) and button(moved, "question.answer")["value"] == "1"
    (update,) = slack.api.made("chat.update")                       # the passed card no longer offers buttons
    assert update.args["ts"] == card.result["ts"] and not list(buttons(update))

    status, _ = await click_in(slack, card, button(card, "question.answer"), first[0])
    assert status == 200 and not slack.api.made("views.open")       # too late for the first expert
    (_, refused) = (await slack.api.wait_responses(2))[1]
    assert refused["blocks"][0]["text"]["text"].startswith(":warning:")
    async with services.db.uow() as uow:
        question = await uow.session.get(Question, 1)
    assert question is not None and question.status == "routed" and question.hops == 1


async def test_the_composition_root_sends_the_card_through_slack(
        api: FakeSlackApi, db: Database, database_url: str, clock: FakeClock) -> None:
    """Built as ``parvis serve`` builds it (bootstrap, no console messenger, worker off): the card
    and the answer still reach Slack, because bootstrap registers the SlackMessenger — the card
    after the asker's reply, as a task of the server's after-reply holder (``core.runtime.background``)."""
    config = Config(database=DatabaseConfig(url=database_url), slack=slack_config(api),
                    scheduler=SchedulerConfig(enabled=False))
    registry = build_registry()
    services = build_services(config, registry, clock=clock)
    assert set(services.messengers) == set()
    client = TestClient(TestServer(build_app(config, services, registry), host="127.0.0.1"))
    await client.start_server()
    try:
        assert set(services.messengers) == {"slack"}
        slack = Slack(client, api, adapter=None)  # type: ignore[arg-type]
        for user in (LEA, ANA):  # as built for production, the usage charter comes first
            await ok(slack, "charter accept", user)
        await ok(slack, "expert add kubernetes", LEA)
        await ok(slack, f"ask {QUESTION}", ANA)
        await api.wait_calls("chat.postMessage", 1)  # sent beside the reply, not before it
        (card,) = dms_to(slack, LEA)
        await click_in(slack, card, button(card, "question.answer"), LEA)
        await api.wait_calls("views.open", 1)  # a click is acknowledged first, its form opens after
        await slack.submit(opened_view(slack), {"answer": "kubectl apply -f"}, user_id=LEA)
        async with asyncio.timeout(5):  # the answer and the card's update also leave beside the reply
            while not (dms_to(slack, ANA) and slack.api.made("chat.update")):
                await asyncio.sleep(0.01)
        (answer,) = dms_to(slack, ANA)
        assert "kubectl apply -f" in text_of(answer) and slack.api.made("chat.update")
    finally:
        await client.close()


async def test_closing_the_question_updates_the_expert_s_card(slack: Slack) -> None:
    await ok(slack, "expert add kubernetes", LEA)
    await ok(slack, f"ask {QUESTION}", ANA)
    (card,) = dms_to(slack, LEA)
    await ok(slack, "question close 1", ANA)
    (update,) = await slack.api.wait_calls("chat.update", 1)
    assert (update.args["channel"], update.args["ts"]) == (card.result["channel"], card.result["ts"])
    assert not list(buttons(update)) and "Ana" in text_of(update)
    status, _ = await click_in(slack, card, button(card, "question.answer"), LEA)   # an old copy of the card
    assert status == 200 and not slack.api.made("views.open")
    (_, refused), = await slack.api.wait_responses(1)
    assert refused["blocks"][0]["text"]["text"].startswith(":warning:")


async def test_the_asker_gets_the_answer_although_slack_answered_503_first(
        slack: Slack, services: Services, clock: FakeClock) -> None:
    """Slack is unavailable when the answer leaves: the expert is told it is on its way (not that it
    was sent), and the outbox delivers it to the asker once Slack is back."""
    await ok(slack, "expert add kubernetes", LEA)
    await ok(slack, f"ask {QUESTION}", ANA)
    (card,) = dms_to(slack, LEA)
    await click_in(slack, card, button(card, "question.answer"), LEA)
    slack.api.unavailable("chat.postMessage", status=503)
    status, ack = await slack.submit(opened_view(slack), {"answer": "Use helm."}, user_id=LEA)
    assert status == 200 and ack is None
    assert not dms_to(slack, ANA)
    told = (await slack.api.wait_calls("chat.postMessage", 2))[-1]
    assert told.args["channel"] == LEA and "envoyée" not in text_of(told) and "Ana" in text_of(told)

    clock.advance(timedelta(minutes=10))
    await Dispatcher(services).run_once()
    (answer,) = dms_to(slack, ANA)
    assert "Use helm." in text_of(answer) and button(answer, "question.helpful", "1:yes")
    await Dispatcher(services).run_once()
    assert len(dms_to(slack, ANA)) == 1  # once
