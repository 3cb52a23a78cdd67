"""Bad input never crashes: each case is a clear message in the member's language, or a silent 200."""

from __future__ import annotations

import pytest

from core.i18n import t
from tests.conftest import give_role
from tests.teams.conftest import TeamsClient, payload
from tests.teams.test_commands import shown


async def _reply_to(teams: TeamsClient, body: dict) -> tuple[int, list]:
    before = len(teams.connector.calls)
    status, _ = await teams.post(body)
    return status, [c for c in teams.connector.calls[before:] if c.body is not None and c.method == "POST"]


async def test_message_without_text_asks_for_a_command(teams: TeamsClient) -> None:
    body = payload("message_personal", teams.connector.url)
    del body["text"]
    status, sent = await _reply_to(teams, body)
    assert status == 200 and t("en", "errors.empty") in shown(sent[0])


async def test_mention_only_message_asks_for_a_command(teams: TeamsClient) -> None:
    body = payload("message_channel", teams.connector.url, text="<at>Parvis</at>&nbsp;")
    status, sent = await _reply_to(teams, body)
    assert status == 200 and t("en", "errors.empty") in shown(sent[0])


async def test_150_kb_of_text_is_refused_clearly(teams: TeamsClient) -> None:
    body = payload("message_personal", teams.connector.url, text="group create " + "x" * 150_000)
    status, sent = await _reply_to(teams, body)
    assert status == 200 and len(sent) == 1
    assert t("en", "errors.too_long", length=150_013, limit=4000) in shown(sent[0])


@pytest.mark.parametrize("name", ["message_reaction"])
async def test_other_activity_types_are_a_silent_200(teams: TeamsClient, name: str) -> None:
    status, sent = await _reply_to(teams, payload(name, teams.connector.url))
    assert status == 200 and sent == []


async def test_unknown_activity_type_and_unknown_invoke(teams: TeamsClient) -> None:
    status, sent = await _reply_to(teams, payload("message_personal", teams.connector.url, type="hologram"))
    assert status == 200 and sent == []
    body = payload("invoke_card_action", teams.connector.url)
    body["name"] = "composeExtension/query"
    status, answer = await teams.post(body)
    assert status == 200 and answer is None


@pytest.mark.parametrize("data", [
    {}, {"value": "x"}, {"action_id": ""}, {"action_id": 42}, {"action_id": "group.join", "value": {"a": 1}},
    {"action_id": "group.join", "in.answer": ["a"]}, {"action_id": "x" * 500},
], ids=["empty", "no-action", "blank-action", "number-action", "object-value", "list-input", "huge-id"])
async def test_malformed_card_submission_is_explained(teams: TeamsClient, data: dict) -> None:
    status, sent = await teams.submit(data)
    assert status == 200
    assert [c.method for c in sent] == ["POST"]
    assert t("en", "teams.bad_submission") in shown(sent[0])


async def test_forged_action_is_refused_without_effect(teams: TeamsClient) -> None:
    status, sent = await teams.submit({"action_id": "admin.wipe", "value": "everything"})
    assert status == 200 and t("en", "errors.unknown_action") in shown(sent[0])
    status, sent = await teams.submit({"action_id": "group.join", "value": "no-such-group"})
    assert status == 200 and [c.method for c in sent] == ["POST"]  # an error: the card is not replaced


async def test_submission_that_is_not_an_object(teams: TeamsClient) -> None:
    body = payload("card_submit", teams.connector.url, value="just a string")
    status, sent = await _reply_to(teams, body)
    assert status == 200 and t("en", "teams.bad_submission") in shown(sent[0])


async def test_invoke_with_missing_data_answers_an_error_card_response(teams: TeamsClient) -> None:
    body = payload("invoke_card_action", teams.connector.url, value={"action": {"type": "Action.Execute"}})
    status, answer = await teams.post(body)
    assert status == 200 and answer["statusCode"] == 400
    assert answer["value"]["message"] == t("en", "teams.bad_submission")


async def test_french_member_gets_french_messages(teams: TeamsClient) -> None:
    body = payload("card_submit", teams.connector.url, value={"nope": 1}, locale="fr-FR")
    status, sent = await _reply_to(teams, body)
    assert status == 200 and t("fr", "teams.bad_submission") in shown(sent[0])


async def test_a_french_member_gets_french_words_whatever_their_teams_client_says(
        teams: TeamsClient, services) -> None:  # type: ignore[no-untyped-def]
    """The member chose French (``lang fr``); the Teams client still says en-US. The words the adapter
    adds — a required input's message, a refused submission — are French, as the replies are."""
    await teams.say("lang fr")
    await give_role(services.db, "ana@example.com", "animator")
    sent = await teams.say("campaign new weekly-learning")
    form = sent[0].body["attachments"][0]["content"]
    required = [e for e in form["body"] if e["type"].startswith("Input.") and e["isRequired"]]
    assert required and {e["errorMessage"] for e in required} == {t("fr", "teams.input_required")}
    status, refused = await teams.submit({"nope": 1})
    assert status == 200 and t("fr", "teams.bad_submission") in shown(refused[0])
