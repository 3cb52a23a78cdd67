"""Commands through Teams: personal chat and channel mentions reach the same grammar, replies come back
as text or Adaptive Cards through the fake connector, and a click on a card updates it in place."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from core.capabilities import build_registry
from core.commands import Actor, Invocation
from core.i18n import t
from core.schema import Identity
from tests.fakes.bot_connector import Call
from tests.teams.conftest import TENANT, TeamsClient

ARGS = {1: "data-science", 2: "data-science ana@example.com"}
SPECIAL = {("lang",): "fr", ("role", "grant"): "animator bob@example.com",
           ("role", "revoke"): "animator bob@example.com", ("group", "announce"): "data-science Hello"}


def shown(call: Call) -> str:
    """What the member sees: the message text, or the card's text blocks and facts."""
    body = call.body or {}
    parts = [body.get("text") or ""]
    for attachment in body.get("attachments") or []:
        parts += _texts(attachment["content"])
    return "\n".join(part for part in parts if part)


def _texts(element: Any) -> list[str]:
    if isinstance(element, dict):
        found = [element["text"]] if element.get("type") == "TextBlock" else []
        found += [f"{fact['title']}: {fact['value']}" for fact in element.get("facts", [])]
        found += [element["title"]] if element.get("type", "").startswith("Action.") else []
        return found + [text for key, value in element.items() if key != "text" for text in _texts(value)]
    if isinstance(element, list):
        return [text for item in element for text in _texts(item)]
    return []


def card(call: Call) -> dict[str, Any]:
    attachment = (call.body or {})["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def submits(element: Any) -> list[dict[str, Any]]:
    if isinstance(element, dict):
        own = [element] if element.get("type") == "Action.Submit" else []
        return own + [found for value in element.values() for found in submits(value)]
    if isinstance(element, list):
        return [found for item in element for found in submits(item)]
    return []


async def test_every_command_of_the_grammar_round_trips(teams: TeamsClient) -> None:
    await teams.say("group create Data Science -- Models and notebooks")
    internal, unknown = t("en", "errors.internal"), t("en", "errors.unknown_command", word="", suggestion="")
    for path, found in sorted(build_registry().commands.items()):
        text = " ".join(path) + " " + SPECIAL.get(path, ARGS.get(found.min_args, ""))
        sent = await teams.say(text.strip())
        assert sent, text
        assert all(call.authorized for call in sent)
        what = "\n".join(shown(call) for call in sent)
        assert what.strip() and internal not in what and unknown[:20] not in what, (text, what)
        if path == ("lang",):
            await teams.say("lang en")


async def test_channel_mention_and_leading_slash(teams: TeamsClient) -> None:
    sent = await teams.say("/group create Rust Lovers", channel=True)
    assert sent[0].path.startswith("/v3/conversations/19:general@thread.tacv2;messageid=")
    assert "Rust Lovers" in shown(sent[0])
    listed = await teams.say("group list", channel=True)
    assert "Rust Lovers" in shown(listed[0])


async def test_card_buttons_carry_action_and_a_click_updates_the_card(teams: TeamsClient) -> None:
    await teams.say("group create Data Science", user="bob")
    sent = await teams.say("group list")
    content = card(sent[0])
    assert content["version"] == "1.5" and content["fallbackText"]
    join = next(a for a in submits(content) if a["data"]["action_id"] == "group.join")
    assert join["data"] == {"action_id": "group.join", "value": "data-science"}
    status, after = await teams.submit(join["data"], reply_to="act-card-9")
    assert status == 200
    card_path = "/v3/conversations/a:1personal-ana/activities/act-card-9"
    assert [(c.method, c.path) for c in after] == [("PUT", card_path)]
    assert "Data Science" in shown(after[0]) and after[0].authorized
    status, again = await teams.submit(join["data"], reply_to="act-card-9")
    assert [c.method for c in again] == ["POST"]  # an error is a new message; the card stays
    assert t("en", "group.already_member", name="Data Science") in shown(again[0])


async def test_invoke_card_action_answers_with_the_new_card(teams: TeamsClient) -> None:
    from tests.teams.conftest import payload

    await teams.say("group create Data Science", user="bob")
    body = payload("invoke_card_action", teams.connector.url)
    body["value"]["action"]["data"] = {"action_id": "group.join", "value": "data-science"}
    status, answer = await teams.post(body)
    assert status == 200
    assert answer["statusCode"] == 200 and answer["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Data Science" in "\n".join(_texts(answer["value"]))


async def test_mentioned_member_is_named_by_email(teams: TeamsClient, services) -> None:
    await teams.say("help", user="bob")
    await teams.say("group create Data Science")
    sent = await teams.say("group add data-science <at>Bob</at>", entities=[
        {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "29:1bob-bf-id", "name": "Bob"}}])
    assert any(t("en", "group.added", name="Data Science", who="Bob") in shown(call) for call in sent)
    assert any("a:1personal-bob" in call.path and "Ana added you" in shown(call) for call in sent), \
        "Bob is told in his own chat (issue 19)"


async def test_same_email_on_slack_and_teams_is_one_member(teams: TeamsClient, router, services) -> None:
    slack = Actor(platform="slack", tenant="T1", user_id="U_ANA", email="ana@example.com",
                  display_name="Ana")
    await router.handle(Invocation(slack, "group create Data Science"))
    await router.handle(Invocation(Actor(platform="slack", tenant="T1", user_id="U_BOB",
                                         email="bob@example.com"), "group create Platform"))
    await router.handle(Invocation(slack, "group join platform"))
    sent = await teams.say("group list")
    text = shown(sent[0])
    assert t("en", "group.mine_owner") in text and t("en", "group.mine_member") in text
    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(Identity))).all()
    ana = {(row.platform, row.user_id): row.member_id for row in rows}
    assert ana[("slack", "U_ANA")] == ana[("teams", "aad-ana")]
    teams_row = next(row for row in rows if row.platform == "teams" and row.user_id == "aad-ana")
    assert teams_row.tenant == TENANT
    assert teams_row.conversation["personal"]["conversation"]["tenantId"] == TENANT


async def test_announcement_posts_to_the_linked_teams_channel(teams: TeamsClient) -> None:
    await teams.say("group create Data Science")
    linked = await teams.say("group link data-science", channel=True)
    assert t("en", "group.linked", name="Data Science") in shown(linked[0])
    sent = await teams.say("group announce data-science Meetup on Friday")
    posts = [call for call in sent if call.path.startswith("/v3/conversations/19:general@thread.tacv2")]
    assert posts and posts[0].authorized and "Meetup on Friday" in shown(posts[0])
