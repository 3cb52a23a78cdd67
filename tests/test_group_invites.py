"""New group members are added to the group's linked channels, through the router and FakeMessenger."""

from __future__ import annotations

import io
import logging

from sqlmodel import select

from adapters.console.messenger import ConsoleMessenger
from adapters.console.outbound import Screen
from core.commands import Invocation
from core.commands.router import CommandRouter
from core.errors import DeliveryError
from core.ports import ConversationRef, FakeMessenger, MemberAddress
from core.schema import GroupMember, Member
from tests.conftest import give_role
from tests.test_groups import ANA, BOB, CLO, ok

DS = ConversationRef("console", "local", "C-ds")
TEAMS = ConversationRef("teams", "tenant-1", "19:ds@thread.tacv2")


def address(email: str) -> MemberAddress:
    return MemberAddress(platform="console", tenant="local", user_id=email)


async def link(router: CommandRouter, who, group: str, channel: ConversationRef) -> str:  # type: ignore[no-untyped-def]
    reply = await router.handle(Invocation(actor=who.actor, text=f"group link {group}", channel=channel))
    assert not reply.error, reply.text
    return reply.text


async def test_joining_adds_the_member_to_each_linked_channel_they_can_reach(
        chat, router, services, messenger) -> None:  # type: ignore[no-untyped-def]
    teams = FakeMessenger(platform="teams", can_invite=False)
    services.messengers["teams"] = teams
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    await link(router, ana, "data science", TEAMS)
    assert messenger.invited == []  # the linker is in the channel already, and alone in the group
    joined = await ok(bob, "group join data science")
    assert "adding you to the group's linked channel" in joined.text
    assert messenger.invited == [(DS, [address(BOB)])]
    assert teams.invited == []  # Teams cannot add people: nothing asked, nothing promised


async def test_joining_from_inside_the_linked_channel_invites_nobody(chat, router, messenger) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    reply = await router.handle(Invocation(actor=bob.actor, text="group join data science", channel=DS))
    assert not reply.error and "linked channel" not in reply.text
    assert messenger.invited == []


async def test_a_click_on_join_invites_too(chat, router, messenger) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    await link(router, ana, "data science", ConversationRef("console", "local", "C-ml"))
    reply = await bob.click("group.join", "data-science")
    assert not reply.error and "2 linked channels" in reply.text
    assert [(where.channel, members) for where, members in messenger.invited] == [
        ("C-ds", [address(BOB)]), ("C-ml", [address(BOB)])]


async def test_group_add_invites_the_added_member_in_french(chat, router, messenger) -> None:  # type: ignore[no-untyped-def]
    ana, clo = chat(ANA, locale="fr"), chat(CLO)
    await ok(clo, "help")  # Clo is known to Parvis
    await ok(ana, "lang fr")
    await ok(ana, "group create Comité --private")
    await link(router, ana, "comite", DS)
    added = await ok(ana, f"group add comite {CLO}")
    assert "J'ajoute aussi Clo" in added.text and "canal relié" in added.text
    assert messenger.invited == [(DS, [address(CLO)])]


async def test_linking_invites_the_existing_members_but_not_the_linker(chat, router, db, messenger) -> None:  # type: ignore[no-untyped-def]
    ana, bob, clo = chat(ANA), chat(BOB), chat(CLO)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    await ok(clo, "group join data science")
    async with db.uow() as uow:  # an erased member is never invited anywhere
        member = (await uow.session.exec(select(Member).where(Member.email == CLO))).one()
        member.erased_at = member.created_at
        uow.session.add(member)
        await uow.commit()
    text = await link(router, ana, "data science", DS)
    assert "other member to this channel" in text
    assert messenger.invited == [(DS, [address(BOB)])]
    again = await link(router, ana, "data science", DS)  # linking again brings in whoever is missing
    assert "already linked" in again and len(messenger.invited) == 2


class RefusingMessenger(FakeMessenger):
    """Refuses every invitation, as Slack does for a channel the bot cannot see."""

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        raise DeliveryError("slack channel_not_found: the channel does not exist", permanent=True)


async def test_a_refused_invitation_keeps_the_membership_and_is_logged(
        chat, router, services, db, caplog) -> None:  # type: ignore[no-untyped-def]
    services.messengers["console"] = RefusingMessenger(platform="console")
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    with caplog.at_level(logging.WARNING, logger="core.groups.invites"):
        joined = await ok(bob, "group join data science")
    assert "Welcome" in joined.text
    assert "could not add 1 group member(s) to console channel C-ds: slack channel_not_found" in caplog.text
    async with db.uow() as uow:
        assert len((await uow.session.exec(select(GroupMember))).all()) == 2


async def test_a_refused_join_invites_nobody(chat, router, messenger) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    await give_role(router.services.db, ANA, "admin")
    await ok(ana, "group archive data science")
    assert (await bob.say("group join data science")).error
    assert messenger.invited == []


async def test_a_second_join_invites_nobody_although_the_channels_are_read_before_the_write(
        chat, router, messenger) -> None:  # type: ignore[no-untyped-def]
    """``group join`` reads the invitations before writing the membership (on SQLite out of the write
    turn): they are sent only once the join is saved, never for a join that was refused."""
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    await ok(bob, "group join data science")
    assert messenger.invited == [(DS, [address(BOB)])]
    again = await bob.say("group join data science")
    assert again.error and "already" in again.text
    assert messenger.invited == [(DS, [address(BOB)])]  # not asked a second time


async def test_the_console_shows_who_was_added_to_a_linked_channel(chat, router, services) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    services.messengers["console"] = ConsoleMessenger(Screen(out), reader=ANA, services=services)
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await link(router, ana, "data science", DS)
    await ok(bob, "group join data science")
    assert f"added to channel C-ds: {BOB}" in out.getvalue()
