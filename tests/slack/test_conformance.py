"""The fake Slack API refuses what Slack refuses (``tests/fakes/block_kit.py``), and Parvis's renderers
never make such a payload: the checks that turn every Slack test into a conformance test, tested."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import outbound
from core.messages import Button, Field, Form, FormInput, Option, Reply, Section
from tests.fakes.block_kit import message_problems, view_problems
from tests.fakes.slack_api import BOT_TOKEN, FakeSlackApi
from tests.slack.conftest import ack_problems


def section(text: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def text_input(**extra: Any) -> dict[str, Any]:
    return {"type": "input", "block_id": "answer", "label": {"type": "plain_text", "text": "Answer"},
            "element": {"type": "plain_text_input", "action_id": "answer", **extra}}


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "callback_id": "c", "title": {"type": "plain_text", "text": "Title"},
            "submit": {"type": "plain_text", "text": "Send"}, "blocks": list(blocks), **extra}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "go", **extra}


@pytest.fixture
async def bare_api() -> AsyncIterator[FakeSlackApi]:
    """A fake Slack API without the conformance assertion at teardown (these tests break the rules)."""
    fake = await FakeSlackApi().start()
    yield fake
    await fake.stop()


async def test_the_fake_refuses_bad_blocks_as_slack_does(bare_api: FakeSlackApi) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=bare_api.base_url)
    with pytest.raises(SlackApiError) as refused:
        await client.chat_postMessage(channel="C1", text="x", blocks=[section("x" * 3001)])
    assert refused.value.response["error"] == "invalid_blocks"
    errors = refused.value.response["errors"]
    assert errors and "json-pointer:/blocks/0" in errors[0]
    assert bare_api.made("chat.postMessage") == [] and len(bare_api.violations) == 1
    assert bare_api.violations[0].startswith("chat.postMessage: ")
    await client.chat_postMessage(channel="C1", text="x", blocks=[section("fine")])
    assert len(bare_api.made("chat.postMessage")) == 1 and len(bare_api.violations) == 1


async def test_the_fake_refuses_a_bad_view_as_slack_does(bare_api: FakeSlackApi) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=bare_api.base_url)
    with pytest.raises(SlackApiError) as refused:
        await client.views_open(trigger_id="t", view=modal(text_input(max_length=4000)))
    assert refused.value.response["error"] == "invalid_arguments"
    (message,) = refused.value.response["response_metadata"]["messages"]
    assert message.startswith("[ERROR] max_length") and "/view/blocks/0/element/max_length" in message
    await client.views_open(trigger_id="t", view=modal(text_input(max_length=3000)))
    await client.views_publish(user_id="U1", view={"type": "home", "blocks": [section()]})
    assert len(bare_api.made("views.open")) == 1 and len(bare_api.violations) == 1


async def test_the_fake_refuses_a_bad_response_url_post(bare_api: FakeSlackApi) -> None:
    async with aiohttp.ClientSession() as session:
        bad = {"text": "x", "blocks": [{"type": "nope"}]}
        async with session.post(bare_api.response_url(), json=bad) as r:
            assert (r.status, await r.text()) == (400, "invalid_blocks")
        async with session.post(bare_api.response_url(), json={"text": "x", "blocks": [section()]}) as r:
            assert r.status == 200
    assert [v.split(":")[0] for v in bare_api.violations] == ["response_url"]


@pytest.mark.parametrize(("payload", "expected"), [
    ({"text": "x", "blocks": [section() for _ in range(51)]}, "no more than 50"),
    ({"blocks": [section()]}, "text fallback"),
    ({"text": "x" * 40_001, "blocks": [section()]}, "truncated"),
    ({"text": "x", "blocks": [section("x" * 3001)]}, "3000"),
    ({"text": "x", "blocks": [section("")]}, "more than 0 characters"),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]}, "150"),
    ({"text": "x", "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}, "plain_text"),
    ({"text": "x", "blocks": [{"type": "carousel-of-doom"}]}, "unknown block type"),
    ({"text": "x", "blocks": [section(block_id="a"), section(block_id="a")]}, "duplicate block_id"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button(), button()]}]}, "duplicate action_id"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button("b" * 76)]}]}, "75"),
    ({"text": "x", "blocks": [{"type": "actions", "elements": [button(style="red")]}]}, "style"),
    ({"text": "x", "blocks": [section(accessory=button(action_id="a" * 256))]}, "255"),
    ({"text": "x", "blocks": [section(accessory={**button(), "text": {"type": "mrkdwn", "text": "b"}})]},
     "plain_text"),
    ({"text": "x", "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}]},
     "2001"),
    ({"text": "x", "blocks": [section(accessory={
        "type": "static_select", "action_id": "s", "initial_option": {"text": {"type": "plain_text",
                                                                             "text": "C"}, "value": "c"},
        "options": [{"text": {"type": "plain_text", "text": "A"}, "value": "a"}]})]}, "initial_option"),
])
def test_each_message_rule_is_applied(payload: dict[str, Any], expected: str) -> None:
    problems = message_problems(payload)
    assert problems and any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(("view", "expected"), [
    (modal(text_input(max_length=4000)), "max_length must be between 1 and 3000"),
    (modal(text_input(max_length=0)), "max_length"),
    (modal(text_input(min_length=10, max_length=5)), "min_length must not exceed"),
    (modal(text_input(), submit=None), "needs a submit"),
    (modal(section(), title={"type": "plain_text", "text": "t" * 25}), "24"),
    (modal(section(), title=None), "needs a title"),
    (modal(section(), private_metadata="m" * 3001), "3000"),
    (modal(*[section() for _ in range(101)]), "100"),
    (modal(section(block_id="a"), {**text_input(), "block_id": "a"}), "duplicate block_id"),
    (modal({**text_input(), "label": {"type": "mrkdwn", "text": "L"}}), "plain_text"),
    (modal(*[section("x" * 2900) for _ in range(90)]), "view_too_large"),
    ({"type": "home", "blocks": [section()], "submit": {"type": "plain_text", "text": "S"}}, "home"),
    ("not a view", "must be an object"),
])
def test_each_view_rule_is_applied(view: Any, expected: str) -> None:
    problems = view_problems(view)
    assert problems and any(expected in problem for problem in problems), problems


def test_acknowledgements_are_checked_as_messages_and_views() -> None:
    assert ack_problems({"response_type": "ephemeral", "text": "x", "blocks": [section("")]})
    assert ack_problems({"response_action": "update", "view": modal(text_input(max_length=9000))})
    assert ack_problems({"response_action": "errors", "errors": {"answer": "too long"}}) == []
    assert ack_problems(None) == [] and ack_problems("plain text") == []


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4000)
labels = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
fields = st.lists(st.builds(Field, labels, texts), max_size=12).map(tuple)
buttons = st.lists(st.builds(Button, labels, st.sampled_from(["a", "b"]), labels,
                             st.sampled_from([None, "primary", "danger"])), max_size=30).map(tuple)
sections = st.lists(st.builds(Section, text=texts, fields=fields, buttons=buttons), max_size=20).map(tuple)


@settings(max_examples=40, deadline=None)
@given(title=st.none() | labels, text=texts, context=st.none() | texts, sections=sections, buttons=buttons)
def test_any_reply_renders_to_messages_slack_accepts(title, text, context, sections, buttons) -> None:
    reply = Reply(text=text, title=title, context=context, sections=sections, buttons=buttons)
    for page in outbound.render_pages(reply):
        assert message_problems(page) == []


names = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
options = st.lists(st.builds(Option, labels, names), max_size=120, unique_by=lambda o: o.value).map(tuple)
kinds = st.sampled_from(["text", "multiline", "choice", "scale"])
lengths = st.none() | st.integers(1, 3000)
inputs = st.lists(st.builds(FormInput, names, labels, kinds, options, st.booleans(), labels, labels, lengths),
                  min_size=1, max_size=8, unique_by=lambda i: i.name).map(tuple)


@settings(max_examples=40, deadline=None)
@given(title=labels, submit=labels, inputs=inputs, value=labels, intro=texts)
def test_any_form_renders_to_a_modal_slack_accepts(title, submit, inputs, value, intro) -> None:
    view = outbound.modal(Form(title, "campaign.text", submit, inputs, value), "C0DATA", intro)
    assert view_problems(view) == []
