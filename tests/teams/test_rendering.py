"""Replies as Adaptive Cards (fields, buttons, forms, size limits), inbound parsing, and the outbound
credentials wrapper — without a network."""

from __future__ import annotations

import json
import threading

from botbuilder.schema import Activity
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory

from adapters.teams import inbound, outbound
from adapters.teams.auth import ThreadedCredentialFactory
from core.commands import Actor
from core.i18n import Translator, t
from core.markup import escape
from core.messages import Button, Field, Form, FormInput, Option, Reply, Section
from tests.hostile_support import HOSTILE, TEAMS_MARKUP, TEAMS_SHOWN
from tests.markup_support import PLAN, campaign_prompt
from tests.teams.conftest import APP_ID, payload

T = Translator("en")
ANA = Actor(platform="teams", tenant="tenant-1", user_id="aad-ana")


def test_sections_fields_and_buttons() -> None:
    reply = Reply(text="Groups", title="Your groups", context="2 groups", sections=(
        Section(text="Data Science", fields=(Field("Members", "12"),),
                buttons=(Button("Join", "group.join", "data-science", style="primary"),)),))
    (card,) = outbound.cards(reply)
    kinds = [element["type"] for element in card["body"]]
    assert kinds == ["TextBlock", "TextBlock", "TextBlock", "FactSet", "ActionSet", "TextBlock"]
    assert card["body"][3]["facts"] == [{"title": "Members", "value": "12"}]
    assert card["body"][4]["actions"] == [{"type": "Action.Submit", "title": "Join", "style": "positive",
                                           "data": {"action_id": "group.join", "value": "data-science"}}]


def test_plain_reply_is_a_markdown_text_message() -> None:
    (activity,) = outbound.activities(Reply(text="Done **now**"))
    assert activity.text == "Done **now**" and not activity.attachments and activity.text_format == "markdown"


def test_a_campaign_prompt_with_bold_text_and_a_link_is_teams_markdown() -> None:
    """Cards read ``**bold**`` and ``[label](address)``; the notification summary and the fallback
    are plain text, the link shown with its address."""
    (activity,) = outbound.activities(campaign_prompt())
    card = activity.attachments[0].content
    texts = [element["text"] for element in card["body"] if element["type"] == "TextBlock"]
    survey = "Office <\u200bsurvey>"                # no "<" opens a tag, whatever reads the card as HTML
    assert texts == [survey, f"Time for “{survey}”! Your answers help the whole community.",
                     f"**1.** What do you think of the **new office**? See [the plan]({PLAN}) first."]
    plain_prompt = f"1. What do you think of the new office? See the plan ({PLAN}) first."
    assert card["fallbackText"].endswith(plain_prompt)
    assert activity.summary.startswith("Time for “Office <survey>”!") and "**" not in activity.summary
    (answer,) = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert answer["actions"][0]["title"] == "Answer"


def test_code_is_kept_in_text_messages_and_shown_as_text_in_cards() -> None:
    (message,) = outbound.activities(Reply(text="Type `group join data` _now_"))
    assert message.text == "Type `group join data` _now_"
    (card,) = outbound.cards(Reply(text="Type `group join data` _now_", title="Help"))
    assert card["body"][1]["text"] == "Type group join data _now_"  # Adaptive Cards show no code spans


def test_the_words_a_card_adds_are_in_the_reply_s_language() -> None:
    """The required-field message follows ``Reply.locale``: the adapter never looks the member up."""
    form = Form(title="Réponse", action_id="campaign.text", submit_label="Envoyer",
                inputs=(FormInput("answer", "Votre réponse", kind="multiline"),))
    for locale, words in (("fr", "Ce champ est obligatoire."), ("en", "This field is required.")):
        (card,) = outbound.cards(Reply(text="Question", form=form, locale=locale))
        (answer,) = [e for e in card["body"] if e["type"] == "Input.Text"]
        assert answer["errorMessage"] == words == Translator(locale)("teams.input_required")


def test_form_becomes_inputs_and_its_submission_an_action() -> None:
    form = Form(title="New campaign", action_id="campaign.create", submit_label="Create", value="tpl-1",
                inputs=(FormInput("name", "Name", max_length=80),
                        FormInput("question", "Question", kind="multiline", required=False),
                        FormInput("audience", "Audience", kind="choice",
                                  options=(Option("Data Science", "g1"), Option("Everyone", "all"))),
                        FormInput("mood", "Mood", kind="scale")))
    (card,) = outbound.cards(Reply(text="Create a campaign", form=form))
    inputs = {element["id"]: element for element in card["body"] if element["type"].startswith("Input.")}
    assert inputs["in.name"]["type"] == "Input.Text" and inputs["in.name"]["maxLength"] == 80
    assert inputs["in.name"]["errorMessage"] == T("teams.input_required")
    assert inputs["in.question"]["isMultiline"] is True and inputs["in.question"]["isRequired"] is False
    assert [c["value"] for c in inputs["in.audience"]["choices"]] == ["g1", "all"]
    assert [c["value"] for c in inputs["in.mood"]["choices"]] == ["1", "2", "3", "4", "5"]
    assert card["actions"][0]["data"] == {"action_id": "campaign.create", "value": "tpl-1"}
    submitted = {**card["actions"][0]["data"], "in.name": "Weekly", "in.question": "", "in.audience": "g1",
                 "in.mood": "4"}
    action = inbound.action_of(ANA, submitted)
    assert action is not None and action.action_id == "campaign.create" and action.value == "tpl-1"
    assert action.values == {"name": "Weekly", "question": "", "audience": "g1", "mood": "4"}


def test_long_lists_are_split_into_cards_under_the_size_limit() -> None:
    sections = tuple(Section(text=f"Group {n}: " + "description " * 40,
                             buttons=(Button("Join", "group.join", f"g{n}"),)) for n in range(400))
    cards = outbound.cards(Reply(text="All groups", title="Groups", sections=sections,
                                 buttons=(Button("More", "group.more"),)))
    assert len(cards) > 1
    assert all(len(json.dumps(card).encode()) < 80_000 for card in cards)
    shown = [e["text"] for card in cards for e in card["body"] if e["type"] == "TextBlock"]
    assert sum(text.startswith("Group ") for text in shown) == 400
    assert "actions" in cards[-1] and all("actions" not in card for card in cards[:-1])


def test_very_long_text_is_cut_into_messages_under_the_limit() -> None:
    activities = outbound.activities(Reply(text="line\n" * 40_000))
    assert len(activities) > 1 and all(len(a.text.encode()) < 80_000 for a in activities)


def test_inbound_text_mentions_timezone_and_channel() -> None:
    body = payload("message_channel", "https://smba.example", text="<at>Parvis</at> role grant admin "
                   "<at>Bob</at>&nbsp;<p>ok</p>")
    body["entities"].append({"type": "clientInfo", "timezone": "Europe/Paris"})
    activity = Activity().deserialize(body)
    assert inbound.command_text(activity, {"<at>Bob</at>": "bob@example.com"}) == \
        "role grant admin bob@example.com  ok"
    assert inbound.actor_of(activity).timezone == "Europe/Paris"
    channel = inbound.channel_of(activity)
    assert channel is not None and channel.channel == "19:general@thread.tacv2"
    assert channel.tenant == "tenant-1" and channel.thread == "1700000000002"
    assert inbound.channel_of(Activity().deserialize(payload("message_personal", "x"))) is None


class _Counting(MicrosoftAppCredentials):
    def __init__(self) -> None:
        super().__init__(APP_ID, "secret")
        self.threads: list[str] = []

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.threads.append(threading.current_thread().name)
        return "token"


class _Inner(ServiceClientCredentialsFactory):
    def __init__(self) -> None:
        self.made: list[_Counting] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id, oauth_scope, login_endpoint, validate_authority):  # type: ignore[no-untyped-def]
        self.made.append(_Counting())
        return self.made[-1]


async def test_credentials_are_reused_and_tokens_fetched_off_the_loop() -> None:
    inner = _Inner()
    factory = ThreadedCredentialFactory(inner)
    first = await factory.create_credentials(APP_ID, "scope", "https://login.example/x", True)
    second = await factory.create_credentials(APP_ID, "scope", "https://login.example/x", True)
    assert first is second and len(inner.made) == 1
    assert len(inner.made[0].threads) == 2
    assert threading.main_thread().name not in inner.made[0].threads


def test_member_text_is_shown_as_typed_in_cards_and_text_messages() -> None:
    """Issue 12, finding 5: Teams reads Markdown (and in text messages HTML and ``<at>`` mentions) in
    text, and its mobile clients show a backslash escape, so member text goes out with its formatting
    characters as look-alikes and an invisible space after ``<`` and inside ``](``; Parvis's own bold
    and links still work, and what Teams shows as plain text keeps the member's characters."""
    text = t("en", "group.joined", name=HOSTILE, slug="x") + " [Parvis](https://parvis.example)"
    (message,) = outbound.activities(Reply(text=text))
    assert message.text.startswith(f"Welcome to **{TEAMS_SHOWN}**!")
    assert message.text.endswith("[Parvis](https://parvis.example)")
    reply = Reply(text=text, title=escape(HOSTILE), sections=(Section(
        text=text, fields=(Field(escape(HOSTILE), escape(HOSTILE)),),
        buttons=(Button(escape(HOSTILE), "group.join", "x"),)),), context=escape(HOSTILE))
    (card,) = outbound.cards(reply)
    blocks = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    facts = [text for e in card["body"] if e["type"] == "FactSet" for f in e["facts"] for text in f.values()]
    for shown in (message.text, *blocks, *facts):
        assert TEAMS_SHOWN in shown and not any(markup in shown for markup in TEAMS_MARKUP), shown
    (actions,) = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert actions["actions"][0]["title"] == HOSTILE                # plain text: shown as it is
    assert HOSTILE in card["fallbackText"]


def test_underscores_inside_words_and_code_in_teams() -> None:
    joined = t("en", "group.joined", name="first_last@x.io > q", slug="x")
    (message,) = outbound.activities(Reply(text=joined))
    assert "first_last@x.io > q" in message.text
    (code,) = outbound.activities(Reply(text="Type `a*b` and `c_d`"))
    assert code.text == "Type `a*b` and `c_d`"                      # code shows its text in messages
    (card,) = outbound.cards(Reply(text="Type `a *b* c`", title="Help"))
    assert card["body"][1]["text"] == "Type a \u2217b\u2217 c"      # and cards read no code spans
