"""What is waiting for me, in Slack (issue 19, part 1), through the real Bolt app behind signed requests.

Léa (French) was away from Slack when Ana's question reached her direct messages: she answers it
later from ``/parvis inbox`` (its Answer button opens the modal) or with ``/parvis question answer``;
the Home tab lists the same question with the same buttons. Bob missed a three-question prompt: he
opens it again from ``/parvis inbox`` and answers every question. Bad input: an empty inbox, a
question that is not yours, in both languages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import col, select

from core.i18n import Translator
from core.ports import FakeClock
from core.schema import Response
from core.services import Services
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.conftest import ANA, LEA, Slack
from tests.slack.dm_support import dms_to, opened_view, text_of
from tests.slack.test_campaign_flow import BOB, prompted, said
from tests.slack.test_expert_flow import QUESTION, ok

EN, FR = Translator("en"), Translator("fr")


def block_buttons(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every button of a list of blocks (actions blocks and section accessories)."""
    for block in blocks:
        found = [block["accessory"]] if "accessory" in block else block.get("elements") or []
        yield from (element for element in found if element.get("type") == "button")


def values_of(blocks: list[dict[str, Any]], action_id: str) -> list[str]:
    return [b.get("value", "") for b in block_buttons(blocks) if b["action_id"].split("#")[0] == action_id]


def said_text(message: dict[str, Any]) -> str:
    texts = [str(b["text"]["text"]) for b in message.get("blocks", []) if isinstance(b.get("text"), dict)]
    return "\n".join([str(message.get("text", "")), *texts])


async def inbox_of(slack: Slack, user_id: str) -> dict[str, Any]:
    status, ack = await slack.command("inbox", user_id=user_id)
    assert status == 200 and ack is not None, ack
    return dict(ack)


async def test_an_expert_away_answers_from_the_inbox_and_the_home_tab_lists_it(
        slack: Slack, services: Services) -> None:
    await ok(slack, "expert add kubernetes", LEA)
    await ok(slack, f"ask {QUESTION}", ANA)
    assert dms_to(slack, LEA)                                       # the card came while Léa was away

    status, _ = await slack.event("app_home_opened", user=LEA)
    assert status == 200
    home = slack.api.made("views.publish")[-1].args["view"]
    assert "Ce qui vous attend" in str(home["blocks"]) and QUESTION in str(home["blocks"])
    assert values_of(home["blocks"], "question.answer") == values_of(home["blocks"], "question.pass") == ["1"]

    waiting = await inbox_of(slack, LEA)
    assert "Questions qui attendent votre réponse" in said_text(waiting) and QUESTION in said_text(waiting)
    (value,) = values_of(waiting["blocks"], "question.answer")
    status, _ = await slack.click("question.answer", value, user_id=LEA)
    assert status == 200
    view = opened_view(slack)
    assert view["callback_id"] == "question.submit"
    status, ack = await slack.submit(view, {"answer": "Use helm and a readiness probe."}, user_id=LEA)
    assert status == 200 and ack is None
    (answer,) = dms_to(slack, ANA)
    assert "Use helm and a readiness probe." in text_of(answer)

    listed = await ok(slack, "question list", ANA)
    assert "[answered]" in listed and "Use helm and a readiness probe." in listed
    assert FR("inbox.empty").split(" :")[0] in said_text(await inbox_of(slack, LEA))


async def test_an_expert_answers_by_id_and_others_are_refused_in_their_language(
        slack: Slack, api: FakeSlackApi, services: Services) -> None:
    await ok(slack, "expert add kubernetes", LEA)
    await ok(slack, f"ask {QUESTION}", ANA)
    status, refused = await slack.command("question answer 1 I know this", user_id=ANA)
    assert status == 200 and EN("question.not_yours", id=1) in said_text(refused)
    assert str(refused["blocks"][0]["text"]["text"]).startswith(":warning:")
    empty = await inbox_of(slack, ANA)
    assert EN("inbox.empty").split(":")[0] in said_text(empty)

    sent = await ok(slack, "question answer 1 Use helm and a readiness probe.", LEA)
    assert "n° 1" in sent                                            # Léa is thanked in French
    (answer,) = dms_to(slack, ANA)
    assert "Use helm and a readiness probe." in text_of(answer)
    status, again = await slack.command("question answer 1 Or kustomize", user_id=LEA)
    assert FR("question.already_answered", id=1) in said_text(again)


async def test_a_member_reopens_a_missed_prompt_and_answers_every_question(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    await prompted(slack, api, services, clock)                      # Bob did not look at his DM
    waiting = await inbox_of(slack, BOB)
    assert "“Weekly learning share”: 3 of 3 questions not answered" in said_text(waiting)
    (round_id,) = values_of(waiting["blocks"], "campaign.reopen")

    status, _ = await slack.click("campaign.reopen", round_id, user_id=BOB)
    assert status == 200
    opened = await said(slack, 1)
    assert opened["response_type"] == "ephemeral" and "3 of 3" in said_text(opened)
    choices = values_of(opened["blocks"], "campaign.answer")             # <round>:<prompt>:<n>
    scale = [v for v in choices if v.split(":")[1] == "3"]
    first_choice = next(v for v in choices if v not in scale)
    for value in (first_choice, scale[3]):
        status, _ = await slack.click("campaign.answer", value, user_id=BOB)
        assert status == 200
    (write,) = values_of(opened["blocks"], "campaign.write")
    await slack.click("campaign.write", write, user_id=BOB)
    view = opened_view(slack)
    status, ack = await slack.submit(view, {"answer": "Pairing on the hard parts"}, user_id=BOB)
    assert status == 200 and ack is None

    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(Response).order_by(col(Response.prompt_id)))).all()
    assert [(r.text, r.choice, r.scale) for r in rows] == [
        ("Pairing on the hard parts", None, None), (None, "On a project", None), (None, None, 4)]
    assert EN("inbox.empty").split(":")[0] in said_text(await inbox_of(slack, BOB))
