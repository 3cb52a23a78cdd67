"""Proactive messages through the fake connector: stored references (surviving a restart), new
conversations for members the bot never chatted with, channel posts, updates, and failures typed for
the dispatcher's retries."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from sqlmodel import select

from adapters.teams.app import build_teams
from core.commands.router import CommandRouter
from core.errors import DeliveryError
from core.messages import Button, Field, Form, FormInput, Reply, Section
from core.ports import ConversationRef, MemberAddress
from core.registry import Registry
from core.schema import Identity
from tests.teams.conftest import TENANT, FakeLogin, TeamsClient, payload, settings_for

CARD = Reply(text="Weekly check-in", title="Check-in", sections=(
    Section(text="How was your week?", fields=(Field("Round", "3"),),
            buttons=(Button("Great", "campaign.answer", "r3:great"),)),))


def address(user: str) -> MemberAddress:
    return MemberAddress("teams", TENANT, f"aad-{user}")


async def test_direct_message_continues_the_stored_conversation(teams: TeamsClient) -> None:
    await teams.say("help")
    before = len(teams.connector.calls)
    sent = await teams.adapter.messenger.send_direct(address("ana"), CARD)
    calls = teams.connector.calls[before:]
    assert [c.method for c in calls] == ["POST"] and calls[0].authorized
    assert calls[0].path.startswith("/v3/conversations/a:1personal-ana/activities")
    assert calls[0].body["attachments"][0]["content"]["version"] == "1.5"
    assert sent.platform == "teams" and sent.message_id.startswith("act-")


async def test_a_sent_card_speaks_the_reply_s_language_not_the_member_s_record(teams: TeamsClient) -> None:
    """The messenger reads no member: the words it adds follow ``Reply.locale`` (here French for a
    member the directory has in English), and the markup becomes Teams Markdown."""
    await teams.say("help")
    answer_input = FormInput("answer", "**Réponse**", "multiline")
    form = Form("Votre réponse", "campaign.text", "Envoyer", (answer_input,))
    before = len(teams.connector.calls)
    await teams.adapter.messenger.send_direct(address("ana"), Reply(text="Une **question**", form=form,
                                                                    locale="fr"))
    content = teams.connector.calls[before].body["attachments"][0]["content"]
    (answer,) = [element for element in content["body"] if element["type"] == "Input.Text"]
    assert answer["errorMessage"] == "Ce champ est obligatoire." and answer["label"] == "Réponse"
    assert content["body"][0]["text"] == "Une **question**"


async def test_after_a_restart_the_reference_is_read_from_the_database(teams: TeamsClient, services,
                                                                       registry: Registry) -> None:
    await teams.say("help")
    fresh = build_teams(settings_for(teams.connector), CommandRouter(services, registry), services,
                        credentials_factory=FakeLogin(teams.connector), allowed_tenants=[TENANT])
    before = len(teams.connector.calls)
    await fresh.messenger.send_direct(address("ana"), Reply(text="Reminder"))
    call = teams.connector.calls[before]
    assert call.path.startswith("/v3/conversations/a:1personal-ana/activities") and call.authorized
    assert call.body["text"] == "Reminder"


async def test_installing_the_bot_stores_a_reference(teams: TeamsClient, services) -> None:
    status, _ = await teams.post(payload("conversation_update_installed", teams.connector.url))
    assert status == 200
    async with services.db.uow() as uow:
        bob = (await uow.session.exec(select(Identity).where(Identity.user_id == "aad-bob"))).one()
    assert bob.conversation["personal"]["conversation"]["id"] == "a:1personal-bob"
    assert bob.conversation["personal"]["conversation"]["tenantId"] == TENANT
    before = len(teams.connector.calls)
    await teams.adapter.messenger.send_direct(address("bob"), Reply(text="Welcome"))
    assert teams.connector.calls[before].path.startswith("/v3/conversations/a:1personal-bob/activities")


async def test_member_never_chatted_with_gets_a_new_conversation(teams: TeamsClient) -> None:
    await teams.say("help", user="chloe", channel=True)  # seen in a channel only: no personal chat
    before = len(teams.connector.calls)
    await teams.adapter.messenger.send_direct(address("chloe"), Reply(text="Hello Chloe"))
    create, message = teams.connector.calls[before:before + 2]
    assert (create.method, create.path) == ("POST", "/v3/conversations") and create.authorized
    assert create.body["tenantId"] == TENANT and create.body["members"] == [{"id": "29:1chloe-bf-id"}]
    assert create.body["channelData"] == {"tenant": {"id": TENANT}}
    assert message.path.startswith("/v3/conversations/a:created-") and message.body["text"] == "Hello Chloe"
    before = len(teams.connector.calls)
    await teams.adapter.messenger.send_direct(address("chloe"), Reply(text="Again"))
    again = teams.connector.calls[before:]
    assert [c.path.startswith("/v3/conversations/a:created-") for c in again] == [True]


async def test_channel_post_and_update(teams: TeamsClient) -> None:
    await teams.say("help")
    channel = ConversationRef("teams", TENANT, "19:general@thread.tacv2")
    sent = await teams.adapter.messenger.post(channel, CARD)
    post = teams.connector.calls[-1]
    assert post.path.startswith("/v3/conversations/19:general@thread.tacv2/activities") and post.authorized
    await teams.adapter.messenger.update(sent, Reply(text="Closed: thank you"))
    update = teams.connector.calls[-1]
    assert (update.method, update.path) == (
        "PUT", f"/v3/conversations/19:general@thread.tacv2/activities/{sent.message_id}")
    assert update.body["text"] == "Closed: thank you" and update.authorized


async def test_channel_post_without_any_known_service_url_is_permanent(teams: TeamsClient) -> None:
    with pytest.raises(DeliveryError) as caught:
        await teams.adapter.messenger.post(ConversationRef("teams", "other-tenant", "19:x"), CARD)
    assert caught.value.permanent


@pytest.mark.parametrize("status, retry_after, permanent, expected_retry", [
    (429, "7", False, 7.0), (412, None, False, None), (502, None, False, None), (503, None, False, None),
    (504, None, False, None), (403, None, True, None), (404, None, True, None), (413, None, True, None)])
async def test_failures_are_typed_for_the_dispatcher(teams: TeamsClient, status, retry_after, permanent,
                                                     expected_retry) -> None:
    await teams.say("help")
    before = len(teams.connector.calls)
    teams.connector.fail_next(status, retry_after=retry_after)
    with pytest.raises(DeliveryError) as caught:
        await teams.adapter.messenger.send_direct(address("ana"), Reply(text="Ping"))
    assert caught.value.permanent is permanent and caught.value.retry_after == expected_retry
    assert len(teams.connector.calls) == before + 1  # botbuilder made one attempt: retries are ours


@pytest.mark.parametrize("status", [503, 500])
async def test_an_update_the_connector_refuses_is_not_retried_in_a_thread(teams: TeamsClient,
                                                                        status: int) -> None:
    """msrest's ``requests`` sender retries a PUT on 5xx and sleeps a ``Retry-After`` in full (an hour
    here) in a thread the dispatcher cannot stop: the connector client makes one attempt, and the
    dispatcher decides when to try again."""
    await teams.say("help")
    channel = ConversationRef("teams", TENANT, "19:general@thread.tacv2")
    sent = await teams.adapter.messenger.post(channel, CARD)
    before = len(teams.connector.calls)
    teams.connector.fail_next(status, retry_after="3600", times=2)
    with pytest.raises(DeliveryError) as caught:
        await asyncio.wait_for(teams.adapter.messenger.update(sent, Reply(text="Closed")), 10)
    assert not caught.value.permanent
    assert [call.method for call in teams.connector.calls[before:]] == ["PUT"]


async def test_emulator_mode_is_loopback_only(services, registry) -> None:
    from adapters.teams.auth import BotSettings, EmulatorModeRefused

    emulator = BotSettings(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    with pytest.raises(EmulatorModeRefused):
        build_teams(emulator, CommandRouter(services, registry), services, host="0.0.0.0")
    adapter = build_teams(emulator, CommandRouter(services, registry), services, host="127.0.0.1")
    app = web.Application()
    adapter.install(app)
    assert {r.resource.canonical for r in app.router.routes()} == {"/api/messages", "/charts/{token}.png",
                                                                 "/files/{token}"}


async def test_member_added_to_a_team_becomes_reachable(teams: TeamsClient, router, services) -> None:
    from core.commands import Actor, Invocation
    from core.directory.members import address_of, find_by_email

    slack = Actor(platform="slack", tenant="T1", user_id="U_CHLOE", email="chloe@example.com")
    await router.handle(Invocation(slack, "help"))
    body = payload("message_channel", teams.connector.url, type="conversationUpdate",
                   membersAdded=[{"id": "29:1chloe-bf-id", "aadObjectId": "aad-chloe"},
                                 {"id": "29:1stranger-bf-id"}])
    del body["text"], body["entities"]
    status, _ = await teams.post(body)
    assert status == 200
    async with services.db.uow() as uow:
        chloe = await find_by_email(uow, "chloe@example.com")
        assert chloe is not None and chloe.id is not None
        where = await address_of(uow, chloe.id)
        on_teams = select(Identity.user_id).where(Identity.platform == "teams")
        teams_ids = (await uow.session.exec(on_teams)).all()
    assert where == MemberAddress("teams", TENANT, "aad-chloe")
    assert sorted(teams_ids) == ["aad-ana", "aad-chloe"]  # the stranger (no e-mail known) is not stored
    before = len(teams.connector.calls)
    await teams.adapter.messenger.send_direct(where, Reply(text="Welcome to the team"))
    create = teams.connector.calls[before]
    assert create.path == "/v3/conversations" and create.body["members"] == [{"id": "29:1chloe-bf-id"}]
