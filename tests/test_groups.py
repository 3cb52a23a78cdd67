"""Groups end to end through the router: every command, tolerant references, privacy, bad input."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.directory.members import find_by_email
from core.errors import Conflict, DeliveryError
from core.groups import services as groups
from core.groups.lookup import Viewer
from core.messages import Reply
from core.ports import ConversationRef, FakeMessenger, Progress, SentMessage
from core.runtime.db import Database
from core.schema import AuditEntry, Group, GroupChannel, GroupMember
from core.services import Services
from tests.campaign_support import set_member
from tests.conftest import give_role

ANA, BOB, CLO = "ana@example.com", "bob@example.com", "clo@example.com"


async def count(db: Database, model: type) -> int:
    async with db.uow() as uow:
        return (await uow.session.exec(select(func.count()).select_from(model))).one()


async def ok(who, text: str) -> Reply:  # type: ignore[no-untyped-def]
    reply = await who.say(text)
    assert not reply.error, reply.text
    return reply


async def refused(who, text: str) -> Reply:  # type: ignore[no-untyped-def]
    reply = await who.say(text)
    assert reply.error, reply.text
    return reply


async def test_create_join_members_as_in_the_issue(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    created = await ok(ana, "group create Data Science -- All about data")
    assert "Data Science" in created.text and "data-science" in created.text
    assert "Data Science" in (await ok(bob, "group join data-science")).text
    members = await ok(bob, "group members data science")
    assert "Ana" in members.text and "Bob" in members.text
    assert members.title is not None and "(2)" in members.title
    owner_line = next(line for line in members.text.splitlines() if "Ana" in line)
    assert "owner" in owner_line


@pytest.mark.parametrize("reference", ['"Data Science"', "data-science", "data science", "DATA   Science",
                                       "Data_Science", "datascience", "“Data Science”", '"Data Science'])
async def test_references_are_tolerant(chat, reference: str) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(ANA), "group create Data Science")
    info = await ok(chat(BOB), f"group info {reference}")
    assert info.title == "Data Science"


async def test_accents_are_folded_in_slugs_and_search(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ok(ana, "group create Équipe Données -- Science des données #python")
    assert (await ok(ana, "group info equipe donnees")).title == "Équipe Données"
    assert "Équipe Données" in (await ok(ana, "group list DONNEES")).text
    assert "Équipe Données" in (await ok(ana, "group list python")).text


async def test_info_shows_fields_tags_and_a_join_button(chat) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(ANA), "group create Data Science -- Statistics and #ML, #python")
    info = await ok(chat(BOB), "group info data science")
    assert "Statistics" in info.text and "#ml" in info.text and "#python" in info.text
    assert "Ana" in info.text and "public" in info.text
    assert [(b.action_id, b.value) for b in info.buttons] == [("group.join", "data-science")]
    mine = await ok(chat(ANA), "group info data science")
    assert [b.action_id for b in mine.buttons] == ["group.leave"]


async def test_list_counts_members_and_offers_join_buttons(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science -- All about data")
    await ok(ana, "group create Coffee Lovers -- Espresso talk")
    await ok(bob, "group join coffee lovers")
    listing = await ok(bob, "group list")
    assert listing.text.index("Coffee Lovers") < listing.text.index("Data Science")
    assert "2 members" in listing.text and "1 member" in listing.text
    buttons = [b for section in listing.sections for b in section.buttons]
    assert [(b.action_id, b.value) for b in buttons] == [("group.join", "data-science")]
    clicked = await bob.click("group.join", "data-science")
    assert not clicked.error and "Data Science" in clicked.text
    left = await bob.click("group.leave", "data-science")
    assert not left.error


async def test_erased_members_are_counted_nowhere(chat, db, clock) -> None:  # type: ignore[no-untyped-def]
    """An erased member's memberships stay in the table; list, info and members leave them out."""
    ana, bob, clo = chat(ANA), chat(BOB), chat(CLO)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    await ok(clo, "group join data science")
    assert "3 members" in (await ok(ana, "group list")).text
    await set_member(db, CLO, erased_at=clock.now())
    assert "2 members" in (await ok(ana, "group list")).text
    assert "2 members" in (await ok(ana, "group list data")).text
    info = await ok(ana, "group info data science")
    assert "Members: 2" in info.text.replace("*", "")
    members = await ok(ana, "group members data science")
    assert members.title is not None and "(2)" in members.title and "Clo" not in members.text


async def test_info_reads_group_owners_and_counts_together(chat, db, clock) -> None:  # type: ignore[no-untyped-def]
    """``group info <slug>`` reads the group, the viewer's membership, its counts and its owners in one
    statement: a row per owner, so the counts must not grow with the owners, an erased owner is not
    named, and a name that is not a slug still finds the group the other way."""
    ana, bob, clo = chat(ANA), chat(BOB), chat(CLO)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    await ok(clo, "group join data science")
    async with db.uow() as uow:
        group = (await uow.session.exec(select(Group).where(Group.slug == "data-science"))).one()
        rows = (await uow.session.exec(select(GroupMember).where(GroupMember.group_id == group.id))).all()
        for row in rows:
            row.role = "owner"
        assert group.id is not None
        uow.session.add_all([GroupChannel(group_id=group.id, platform="slack", channel_id=f"C{i}")
                             for i in range(2)])
        await uow.commit()
    for reference in ("data-science", "datascience"):
        text = (await ok(bob, f"group info {reference}")).text.replace("*", "")
        assert "Members: 3" in text and "Linked channels: 2" in text and "Owners: Ana, Bob, Clo" in text
    await set_member(db, CLO, erased_at=clock.now())
    text = (await ok(bob, "group info data-science")).text.replace("*", "")
    assert "Members: 2" in text and "Owners: Ana, Bob" in text and "Clo" not in text


async def test_list_searches_name_description_and_tags_fuzzily(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ok(ana, "group create Data Science -- Statistics and python")
    await ok(ana, "group create DevOps -- Kubernetes and the cloud #k8s")
    await ok(ana, "group create Coffee Lovers")
    assert "Data Science" in (await ok(ana, "group list sciance")).text
    by_description = (await ok(ana, "group list kubernetes")).text
    assert "DevOps" in by_description and "Data Science" not in by_description
    assert "DevOps" in (await ok(ana, "group list k8s")).text
    nothing = await ok(ana, "group list zzqx")
    assert "zzqx" in nothing.text and not nothing.sections


async def test_list_is_limited_and_says_how_many_more(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    for index in range(23):
        await ok(ana, f"group create Team {index:02d}")
    listing = await ok(ana, "group list")
    assert len(listing.sections) == 20
    assert listing.context is not None and "3 more" in listing.context


async def test_empty_list_tells_how_to_create(chat) -> None:  # type: ignore[no-untyped-def]
    assert "group create" in (await ok(chat(ANA), "group list")).text


async def test_duplicate_names_are_refused_naming_the_group(chat, db) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    reply = await refused(bob, "group create data-science! -- again")
    assert "Data Science" in reply.text and "group join data-science" in reply.text
    assert await count(db, Group) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("group create " + "x" * 81, "81"),
    ("group create !!! 🎉", "letters"),
    ("group create Data -- " + "d" * 1001, "1001"),
    ("group create -- only a description", "name"),
    ("group create --private", "name"),
])
async def test_create_refuses_bad_names(chat, db, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    reply = await refused(chat(ANA), text)
    assert expected in reply.text
    assert await count(db, Group) == 0


async def test_create_race_becomes_a_conflict(db: Database, services: Services, chat) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(ANA), "help")
    await ok(chat(BOB), "help")
    new = groups.parse_create("Data Science")
    now = services.clock.now()
    async with db.uow() as first, db.uow() as second:
        ana, bob = await find_by_email(first, ANA), await find_by_email(second, BOB)
        assert ana and ana.id and bob and bob.id
        await groups.create(first, Viewer(ana.id), new, now)

        async def commit_soon() -> None:
            await asyncio.sleep(0.2)
            await first.commit()

        committing = asyncio.create_task(commit_soon())
        with pytest.raises(Conflict) as caught:
            await groups.create(second, Viewer(bob.id), new, now)
        await committing
    assert caught.value.key == "group.taken"
    assert await count(db, Group) == 1


async def test_second_join_and_leaving_twice_get_clear_messages(chat, db) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    assert "already a member" in (await refused(bob, "group join Data Science")).text
    assert "You left" in (await ok(bob, "group leave data-science")).text
    assert "not a member" in (await refused(bob, "group leave data-science")).text
    assert await count(db, GroupMember) == 1


async def test_a_join_saved_elsewhere_meanwhile_is_refused_and_the_member_stays_counted_once(
        chat, db, clock) -> None:  # type: ignore[no-untyped-def]
    """``group join`` writes in one statement (``ON CONFLICT DO NOTHING``): when another process saved
    the same membership after this one read none, nothing is inserted and the member is told."""
    from core.groups.lookup import _KNOWN, resolve

    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")                     # the other process's join
    async with db.uow() as uow:
        member = await find_by_email(uow, BOB)
        assert member is not None and member.id is not None
        group = await resolve(uow, Viewer(member.id), "data science")
        uow.session.info[_KNOWN][(group.id, member.id)] = None   # as read just before it committed
        with pytest.raises(Conflict) as caught:
            await groups.add(uow, group, member.id, clock.now())
    assert caught.value.key == "group.already_member"
    assert await count(db, GroupMember) == 2


async def test_a_leave_saved_elsewhere_meanwhile_is_refused(chat, db) -> None:  # type: ignore[no-untyped-def]
    """``group leave`` deletes in one statement: when another process removed the membership after
    this one read it, nothing is deleted and the member is told they are not a member."""
    from core.groups.lookup import _KNOWN, resolve

    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    async with db.uow() as uow:
        member = await find_by_email(uow, BOB)
        assert member is not None and member.id is not None
        group = await resolve(uow, Viewer(member.id), "data science")
        stale = uow.session.info[_KNOWN][(group.id, member.id)]
        assert stale is not None
        await ok(bob, "group leave data science")                 # the other process's leave
        with pytest.raises(Conflict) as caught:
            await groups.leave(uow, group, member.id)
    assert caught.value.key == "group.not_member"
    assert await count(db, GroupMember) == 1


async def test_last_owner_hands_over_to_the_longest_standing_member(chat, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    ana, bob, clo = chat(ANA), chat(BOB), chat(CLO)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    clock.advance(timedelta(minutes=1))
    await ok(clo, "group join data science")
    assert "Bob" in (await ok(ana, "group leave data science")).text
    members = await ok(clo, "group members data science")
    assert "owner" in next(line for line in members.text.splitlines() if "Bob" in line)
    await ok(bob, "group leave data science")
    await ok(clo, "group leave data science")
    assert "no members" in (await ok(ana, "group members data science")).text
    assert "owner" in (await ok(ana, "group join data science")).text


async def test_unknown_group_suggests_the_closest_visible_one(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ok(ana, "group create Data Science")
    reply = await refused(ana, "group join data sciense")
    assert "Did you mean" in reply.text and "data-science" in reply.text
    assert "group list" in (await refused(ana, "group info quantum basket weaving")).text


async def test_private_groups_exist_only_for_members_and_admins(chat, db) -> None:  # type: ignore[no-untyped-def]
    ana, bob, clo = chat(ANA), chat(BOB), chat(CLO)
    assert "Private" in (await ok(ana, "group create Board Room --private -- Strategy")).text
    await ok(bob, "help")
    await ok(clo, "help")
    await give_role(db, CLO, "admin")
    missing = await refused(chat("zoe@example.com"), "group info board rooms")
    for text in ["group info board room", "group join board-room", "group members board room"]:
        reply = await refused(bob, text)
        assert "Board Room" not in reply.text and "Did you mean" not in reply.text
    assert "Board Room" not in missing.text
    assert "Board Room" not in (await ok(bob, "group list")).text
    assert "Board Room" not in (await ok(bob, "group list board")).text
    assert "Board Room" in (await ok(clo, "group list")).text
    assert "Bob" in (await ok(ana, f"group add board room {BOB}")).text
    assert "Board Room" in (await ok(bob, "group list")).text
    assert "already" in (await refused(ana, f"group add board room {BOB}")).text


async def test_add_needs_a_manager_and_a_known_member(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await ok(bob, "help")
    assert "owners" in (await refused(bob, f"group add data science {ANA}")).text
    assert "nobody@example.com" in (await refused(ana, "group add data science nobody@example.com")).text
    assert "Usage" in (await refused(ana, "group add data science")).text


async def test_archive_is_for_owners_and_animators(chat, db) -> None:  # type: ignore[no-untyped-def]
    ana, bob, clo = chat(ANA), chat(BOB), chat(CLO)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    forbidden = await refused(bob, "group archive data science")
    assert "Only the owners" in forbidden.text
    await ok(clo, "help")
    await give_role(db, CLO, "animator")
    assert "archived" in (await ok(clo, "group archive data science")).text
    assert "already archived" in (await refused(ana, "group archive data science")).text
    assert "Data Science" not in (await ok(clo, "group list")).text
    assert "archived" in (await refused(clo, "group join data science")).text
    info = await ok(bob, "group info data science")
    assert "Archived" in info.text
    assert await count(db, AuditEntry) == 1


async def test_link_needs_a_channel_and_is_idempotent(chat, router: CommandRouter, db) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    assert "inside the channel" in (await refused(ana, "group link data science")).text
    here = ConversationRef(platform="console", tenant="local", channel="C-general")
    linked = await router.handle(Invocation(actor=ana.actor, text="group link data science", channel=here))
    assert not linked.error and "now linked" in linked.text
    again = await router.handle(Invocation(actor=ana.actor, text="group link data-science", channel=here))
    assert not again.error and "already linked" in again.text
    denied = await router.handle(Invocation(actor=bob.actor, text="group link data science", channel=here))
    assert denied.error and "Only the owners" in denied.text
    assert await count(db, GroupChannel) == 1


class FlakyMessenger(FakeMessenger):
    """Refuses to post in one channel, as a platform would after the bot was removed from it."""

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        if channel.channel == "C-gone":
            raise DeliveryError("channel_not_found", permanent=True)
        return await super().post(channel, reply, progress)


async def _link(router: CommandRouter, who, group: str, *channels: ConversationRef) -> None:  # type: ignore[no-untyped-def]
    for channel in channels:
        reply = await router.handle(Invocation(actor=who.actor, text=f"group link {group}", channel=channel))
        assert not reply.error, reply.text


async def test_announce_reaches_every_linked_channel(chat, router, services, messenger) -> None:  # type: ignore[no-untyped-def]
    slack = FlakyMessenger(platform="slack")
    services.messengers["slack"] = slack
    ana = chat(ANA)
    await ok(ana, "group create Data Science")
    await _link(router, ana, "data science", ConversationRef("slack", "T1", "C-gone"),
                ConversationRef("slack", "T1", "C-data"), ConversationRef("console", "local", "C-general"),
                ConversationRef("teams", "tenant", "19:abc"))
    reply = await ok(ana, 'group announce "Data Science" Meetup on Friday at 5, l\'équipe invites you!')
    assert "3" in reply.text and "1" in reply.text.splitlines()[1]
    assert [channel.channel for _, channel, _ in slack.sent] == ["C-data"]
    assert [channel.channel for _, channel, _ in messenger.sent] == ["C-general"]
    posted = messenger.sent[0][2]
    assert posted.visibility == "public"
    assert posted.text == "Meetup on Friday at 5, l'équipe invites you!"
    assert posted.title is not None and "Data Science" in posted.title
    assert posted.context is not None and "Ana" in posted.context


async def test_announce_finds_the_longest_group_name(chat, router, messenger) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ok(ana, "group create Data")
    await ok(ana, "group create Data Science")
    await _link(router, ana, "data science", ConversationRef("console", "local", "C-ds"))
    await ok(ana, "group announce data science news")
    assert messenger.sent[-1][1].channel == "C-ds" and messenger.sent[-1][2].text == "news"


@pytest.mark.parametrize(("text", "expected"), [
    ("group announce data science", "Write the announcement"),
    ("group announce data science " + "x" * 3001, "3001"),
    ("group announce quantum news today", "can't find"),
])
async def test_announce_bad_input(chat, router, messenger, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ok(ana, "group create Data Science")
    await _link(router, ana, "data science", ConversationRef("console", "local", "C-ds"))
    assert expected in (await refused(ana, text)).text
    assert messenger.sent == []


async def test_announce_needs_a_manager_and_a_channel(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "group create Data Science")
    await ok(bob, "group join data science")
    assert "Only the owners" in (await refused(bob, "group announce data science hello")).text
    assert "group link data-science" in (await refused(ana, "group announce data science hello")).text


@pytest.mark.parametrize("text", ["group join", "group join " + "x" * 10_000, 'group join "',
                                  "group join \x00\x07", "group create \x00", "group info «",
                                  "group members nothing-here"])
async def test_bad_input_is_answered_never_raised(chat, db, text: str) -> None:  # type: ignore[no-untyped-def]
    reply = await chat(ANA).say(text)
    assert reply.error and reply.text and "went wrong" not in reply.text
    assert await count(db, Group) == 0


async def test_control_characters_are_dropped_from_references(chat) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(ANA), "group create Data Science")
    assert "Data Science" in (await ok(chat(BOB), "group join data\x00 \x07science")).text


async def test_replies_in_french(chat) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA, locale="fr-FR"), chat(BOB, locale="fr")
    assert "créé" in (await ok(ana, "group create Science des données -- Tout sur les données")).text
    assert "Bienvenue" in (await ok(bob, "group join science des donnees")).text
    assert "déjà membre" in (await refused(bob, "group join science-des-donnees")).text
    assert "propriétaire" in (await ok(bob, "group members science des données")).text
    assert "Seuls les propriétaires" in (await refused(bob, "group archive science des données")).text
    assert "Vouliez-vous dire" in (await refused(bob, "group info science des donnes")).text
    listing = await ok(bob, "group list")
    assert "2 membres" in listing.text
    assert (await ok(ana, "group info science des données")).buttons[0].label == "Quitter"


async def test_group_pairing_on_a_group_that_does_not_exist_says_so(chat) -> None:  # type: ignore[no-untyped-def]
    reply = await chat(ANA).say("group pairing on data science")
    assert reply.error and "can't find a group" in reply.text
