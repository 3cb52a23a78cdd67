"""The fake Bot Framework connector refuses what Teams refuses (``tests/fakes/adaptive_card.py``), and
Parvis's renderers never make such an activity: the checks that turn every Teams test into a
conformance test, tested."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.teams import outbound
from core.i18n import Translator
from core.messages import Button, Field, Form, FormInput, Option, Reply, Section
from tests.fakes.adaptive_card import CARD_TYPE, MAX_ACTIVITY, activity_problems, card_problems
from tests.fakes.bot_connector import BotConnector
from tests.teams.conftest import invoke_problems

T = Translator("en")


def card(*body: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": list(body), **extra}


def text(value: str = "Hello") -> dict[str, Any]:
    return {"type": "TextBlock", "text": value, "wrap": True}


def message(*cards: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "content": c} for c in cards],
            **extra}


@pytest.fixture
def bare_connector(connector_server: BotConnector) -> Iterator[BotConnector]:
    """The fake connector without the conformance assertion (these tests break the rules on purpose)."""
    connector_server.violations.clear()
    yield connector_server
    connector_server.violations.clear()


def send(connector: BotConnector, activity: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{connector.url}/v3/conversations/a:1/activities", data=json.dumps(activity).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {connector.issue_token()}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_the_fake_refuses_a_card_off_the_schema_as_teams_does(bare_connector: BotConnector) -> None:
    status, body = send(bare_connector, message(card({"type": "Carousel", "pages": []})))
    assert status == 400 and body["error"]["code"] == "BadArgument"
    (violation,) = bare_connector.violations
    assert violation.startswith("POST /v3/conversations/a:1/activities: $.attachments[0].content.body[0]")
    status, body = send(bare_connector, message(card(text(), msteams={"width": "Full"})))
    assert status == 200 and body["id"] and len(bare_connector.violations) == 1


def test_the_fake_refuses_an_activity_over_28_kb(bare_connector: BotConnector) -> None:
    status, body = send(bare_connector, message(card(text("x" * MAX_ACTIVITY))))
    assert status == 413 and body["error"]["code"] == "MessageSizeTooBig"
    assert "over Teams' 28672" in bare_connector.violations[0]
    status, _ = send(bare_connector, {"type": "message", "text": "é" * (MAX_ACTIVITY // 2)})
    assert status == 413


@pytest.mark.parametrize(("content", "expected"), [
    (card(text(), version="1.6"), "up to version 1.5"),
    (card(text(), version="one"), "not a version"),
    (card(text(), version=None), "not a version"),
    (card({"type": "TextBlock", "wrap": True}), "'text' is a required property"),
    (card(text(), color="red"), "Additional properties"),
    (card(text(), actions=[{"type": "Action.Submit", "title": "Go"}]), "needs a data object"),
    (card(text(), actions=[{"type": "Action.Submit", "title": "Go", "data": "go"}]), "needs a data object"),
    (card({"type": "ActionSet", "actions": [{"type": "Action.Submit", "title": "Go"}]}),
     "body[0].actions[0]"),
    (card({"type": "Input.Text", "id": "in.x", "maxLength": "long"}), "'long' is not of type 'number'"),
    (card(text(), msteams={"width": "Wide"}), "msteams.width"),
    (card(text(), msteams={"height": "Full"}), "msteams.height"),
    ("a card", "must be an object"),
])
def test_each_card_rule_is_applied(content: Any, expected: str) -> None:
    problems = card_problems(content)
    assert problems and any(expected in problem for problem in problems), problems


def test_invoke_answers_are_checked_as_cards() -> None:
    assert invoke_problems({"statusCode": 200, "type": CARD_TYPE, "value": card(text(), version="2.0")})
    assert invoke_problems({"statusCode": 200, "type": CARD_TYPE, "value": card(text())}) == []
    assert invoke_problems(None) == [] and invoke_problems({"statusCode": 200}) == []


#: what botbuilder adds to a reply (from a real Teams channel conversation, ids at their usual lengths)
ENVELOPE = {
    "serviceUrl": "https://smba.trafficmanager.net/emea/8a5f1c2e-7d44-4f4c-9a41-0d2e6c8b1f37/",
    "channelId": "msteams",
    "from": {"id": "28:" + "b0t1" * 9, "name": "Parvis"},
    "conversation": {"conversationType": "channel", "isGroup": True, "tenantId": "t" * 36,
                     "id": "19:" + "c" * 32 + "@thread.tacv2;messageid=1700000000002"},
    "recipient": {"id": "29:1" + "u" * 120, "name": "Ana Martin-Dubois", "aadObjectId": "a" * 36},
    "replyToId": "1700000000002", "locale": "fr-FR", "inputHint": "acceptingInput",
    "attachmentLayout": "list"}


def activities_of(reply: Reply) -> list[dict[str, Any]]:
    """What the connector would receive for ``reply``: each activity as botbuilder serialises it."""
    return [{**activity.serialize(), **ENVELOPE} for activity in outbound.activities(reply)]


def test_long_replies_make_activities_teams_accepts() -> None:
    """Issue 12, finding 8 (Teams side): cards were cut at 60 KB, over the 28 KB Teams takes for an
    activity; long lists, long fields and long text now make several activities, each under it."""
    groups = tuple(Section(text=f"Group {n}: " + "description " * 40,
                           fields=(Field("Members", str(n)),),
                           buttons=(Button("Join", "group.join", f"g{n}"),)) for n in range(400))
    profile = Section(text="Profile", fields=tuple(Field(f"L{n}", "v" * 3000) for n in range(23)))
    for reply in (Reply(text="All groups", title="Groups", sections=groups, buttons=(Button("More", "m"),)),
                  Reply(text="Profile", sections=(profile,), title="Ana"),
                  Reply(text="line é€😀\n" * 40_000, title="Long"),
                  Reply(text="é€😀 " * 40_000)):
        sent = activities_of(reply)
        assert len(sent) > 1
        for activity in sent:
            assert activity_problems(activity) == []


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4000)
labels = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
fields = st.lists(st.builds(Field, labels, texts), max_size=12).map(tuple)
buttons = st.lists(st.builds(Button, labels, st.sampled_from(["a", "b"]), labels,
                             st.sampled_from([None, "primary", "danger"])), max_size=8).map(tuple)
sections = st.lists(st.builds(Section, text=texts, fields=fields, buttons=buttons), max_size=20).map(tuple)
names = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
short = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)   # a group name
options = st.lists(st.builds(Option, short, names), max_size=20, unique_by=lambda o: o.value).map(tuple)
kinds = st.sampled_from(["text", "multiline", "choice", "scale"])
lengths = st.none() | st.integers(1, 3000)
inputs = st.lists(st.builds(FormInput, names, labels, kinds, options, st.booleans(), labels, labels, lengths,
                            st.just("") | labels),  # a form back to be fixed: problems under inputs
                  min_size=1, max_size=5, unique_by=lambda i: i.name).map(tuple)
forms = st.builds(Form, labels, st.just("campaign.text"), labels, inputs, labels)


@settings(max_examples=40, deadline=None)
@given(title=st.none() | labels, text=texts, context=st.none() | texts, sections=sections, buttons=buttons,
       form=st.none() | forms)
def test_any_reply_renders_to_activities_teams_accepts(title, text, context, sections, buttons, form) -> None:
    reply = Reply(text=text, title=title, context=context, sections=sections, buttons=buttons, form=form)
    for activity in activities_of(reply):
        assert activity_problems(activity) == []
    assert card_problems(outbound.card_of(reply)) == []
