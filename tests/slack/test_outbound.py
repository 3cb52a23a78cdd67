"""Reply → Block Kit: whatever the core says, the blocks stay within Slack's documented limits."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import inbound, outbound
from core.commands import Actor
from core.i18n import t
from core.markup import escape
from core.messages import Button, Field, Form, FormInput, Option, Reply, Section
from tests.hostile_support import HOSTILE, SLACK_MARKUP, SLACK_SHOWN
from tests.markup_support import campaign_prompt


def check_limits(page: dict) -> None:
    blocks = page.get("blocks", [])
    assert len(blocks) <= 50 and len(page["text"]) <= 40_000
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
            assert "text" in block or "fields" in block
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "actions":
            ids = [element["action_id"] for element in block["elements"]]
            assert len(ids) <= 25 and len(set(ids)) == len(ids)
            assert all(len(e["text"]["text"]) <= 75 for e in block["elements"])


def test_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(f"line {n} " + "x" * 90 for n in range(100))
    page = outbound.render(Reply(text=text))
    check_limits(page)
    pieces = [block["text"]["text"] for block in page["blocks"]]
    assert "\n".join(pieces) == text


def test_many_fields_and_buttons_are_spread_over_blocks() -> None:
    section = Section(text="Profile", fields=tuple(Field(f"L{n}", "v" * 3000) for n in range(23)),
                      buttons=tuple(Button("Join " * 30, "group.join", str(n)) for n in range(30)))
    pages = outbound.render_pages(Reply(text="Profile", sections=(section,), title="T" * 400))
    for page in pages:
        check_limits(page)
    blocks = [block for page in pages for block in page["blocks"]]
    assert sum(len(block.get("fields", [])) for block in blocks) == 23
    ids = [e["action_id"] for block in blocks if block["type"] == "actions" for e in block["elements"]]
    assert len(ids) == 30 and {inbound.action_id_of(i) for i in ids} == {"group.join"}


def test_text_around_sections_is_shown_once() -> None:
    sections = (Section(text="**Groups**\n• a"), Section(text="**Experts**\n• b"))
    reply = Reply(text="Intro\n\n**Groups**\n• a\n\n**Experts**\n• b\n\nOutro", sections=sections,
                  context="ctx")
    texts = [b.get("text", {}).get("text") for b in outbound.render(reply)["blocks"]]
    assert texts[0] == "Intro" and texts[-2] == "Outro" and texts.count("*Groups*\n• a") == 1


def test_a_campaign_prompt_with_bold_text_and_a_link_is_slack_mrkdwn() -> None:
    """The neutral markup of a prompt becomes ``*bold*`` and ``<address|label>``; ``&``, ``<`` and
    ``>`` are escaped; what Slack shows as plain text has no markers at all."""
    page = outbound.render(campaign_prompt())
    header, intro, prompt = page["blocks"]
    assert header["text"] == {"type": "plain_text", "text": "Office <survey>", "emoji": True}
    assert intro["text"] == {"type": "mrkdwn", "text": "Time for “Office &lt;survey&gt;”! Your answers help "
                                                       "the whole community.", "verbatim": True}
    link = "<https://example.com/plan?floor=2&amp;wing=b|the plan>"
    assert prompt["text"]["text"] == f"*1.* What do you think of the *new office*? See {link} first."
    assert prompt["accessory"]["text"]["text"] == "Answer"
    assert link in page["text"] and "**" not in page["text"] and "[the plan]" not in page["text"]


def test_code_italics_and_escaped_text_in_mrkdwn() -> None:
    assert outbound.to_mrkdwn("Type `group join <slug>` _now_, **a** & **b **") == \
        "Type `group join &lt;slug&gt;` _now_, *a* &amp; \u2217\u2217b \u2217\u2217"
    unsafe = "** spaced ** and [x](javascript:alert(1))"
    assert outbound.to_mrkdwn(unsafe) == unsafe.replace("*", "\u2217")


def test_names_put_into_a_message_never_become_slack_markup() -> None:
    """A group named after a mention, a link or markup is shown as typed: no ping, no hidden link."""
    text = t("en", "group.joined", name="<!channel> [win](https://evil.example)", slug="x")
    rendered = outbound.render(Reply(text=text))["blocks"][0]["text"]["text"]
    assert rendered.startswith("Welcome to *&lt;!channel&gt; [win](https://evil.example)*!")
    assert "<https://evil.example" not in rendered and "<!channel>" not in rendered


def test_a_form_becomes_a_modal_and_its_submission_an_action() -> None:
    form = Form("A very long title for a modal window", "campaign.text", "Send it now please!!!!!!!", (
        FormInput("answer", "Your answer", "multiline", max_length=500, initial="draft"),
        FormInput("mood", "Mood", "scale", required=False),
        FormInput("team", "Team", "choice", options=(Option("Red", "r"), Option("Blue", "b")), initial="b"),
    ), value="12:3")
    view = outbound.modal(form, "C0DATA", "Intro")
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    team = view["blocks"][3]["element"]
    assert team["initial_option"]["value"] == "b" and view["blocks"][2]["optional"] is True
    body = {"view": {**view, "state": {"values": {
        "answer": {"answer": {"type": "plain_text_input", "value": "Yes"}},
        "mood": {"mood": {"type": "static_select", "selected_option": None}},
        "team": {"team": {"type": "static_select", "selected_option": {"value": "r"}}}}}}}
    act = inbound.submission(Actor("slack", "T", "U"), body)
    assert (act.action_id, act.value, act.values) == ("campaign.text", "12:3",
                                                       {"answer": "Yes", "mood": "", "team": "r"})
    assert act.channel is not None and act.channel.channel == "C0DATA"
    assert json.loads(view["private_metadata"]) == {"v": "12:3", "c": "C0DATA"}


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=4000)
fields = st.lists(st.builds(Field, texts, texts), max_size=12).map(tuple)
buttons = st.lists(st.builds(Button, texts, st.sampled_from(["a", "b"]), texts), max_size=4).map(tuple)
sections = st.lists(st.builds(Section, text=texts, fields=fields, buttons=buttons), max_size=30).map(tuple)


@settings(max_examples=40, deadline=None)
@given(title=st.none() | texts, text=texts, context=st.none() | texts, sections=sections)
def test_any_reply_renders_within_limits(title, text, context, sections) -> None:
    for page in outbound.render_pages(Reply(text=text, title=title, context=context, sections=sections)):
        check_limits(page)


def test_member_text_in_a_message_is_shown_as_typed() -> None:
    """Issue 12, finding 5: ``&<>`` escaped keep mentions and links out; Slack has no escape for its
    formatting characters, so those of member text are written as look-alikes, and ``verbatim`` stops
    Slack from linking names and addresses of its own accord. Parvis's own bold and links still work."""
    text = t("en", "group.joined", name=HOSTILE, slug="x") + " [Parvis](https://parvis.example)"
    page = outbound.render(Reply(text=text, title=escape(HOSTILE), context=escape(HOSTILE)))
    header, section, context = page["blocks"]
    assert header["text"]["text"] == HOSTILE[:150]                  # plain text: Slack shows it as it is
    assert section["text"]["verbatim"] is True and context["elements"][0]["verbatim"] is True
    shown = section["text"]["text"]
    assert shown.startswith(f"Welcome to *{SLACK_SHOWN}*!") and "<https://parvis.example|Parvis>" in shown
    for text in (shown, context["elements"][0]["text"], page["text"]):
        assert SLACK_SHOWN in text and not any(markup in text for markup in SLACK_MARKUP), text


def test_underscores_inside_words_and_quotes_at_line_starts() -> None:
    """``snake_case`` and e-mail addresses keep their underscores (Slack formats nothing inside a word);
    a line of member text starting with ``>`` is not a quote (a soft hyphen goes before it)."""
    rendered = outbound.to_mrkdwn(t("en", "group.joined", name="first_last@x.io _no_\n> quoted", slug="x"))
    assert "first_last@x.io \u02cdno\u02cd\n\u00ad&gt; quoted" in rendered
