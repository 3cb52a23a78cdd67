"""Coffee pairing through the router and the database: turning it on, opting in, rounds made at the
cadence with their outbox rows (once, however often the job runs), pauses, reminders, the buttons,
results in ``group info``, and every bad input answered clearly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import col, select

from core.delivery.dispatcher import Dispatcher
from core.pairing import rounds
from core.ports import FakeClock, FakeMessenger, GroupAddress, MemberAddress
from core.schema import Delivery, Pairing, PairingRound
from core.services import Services
from tests.conftest import give_role

ANA, BOB, CLO, DAN, EVE = (f"{name}@example.com" for name in ("ana", "bob", "clo", "dan", "eve"))
PEOPLE = (ANA, BOB, CLO, DAN, EVE)


async def _setup(chat, services: Services, people=PEOPLE, options: str = "") -> None:  # type: ignore[no-untyped-def]
    assert not (await chat(ANA).say("group create Data Science")).error
    reply = await chat(ANA).say(f"group pairing on data science {options}")
    assert not reply.error, reply.text
    for email in people:
        if email != ANA:
            assert not (await chat(email).say("group join data-science")).error
        assert not (await chat(email).say("pairing join data-science")).error


async def _rows(services: Services, purpose: str) -> list[Delivery]:
    async with services.db.uow() as uow:
        return list((await uow.session.exec(select(Delivery).where(Delivery.purpose == purpose)
                                            .order_by(col(Delivery.id)))).all())


async def _pairs(services: Services) -> list[Pairing]:
    async with services.db.uow() as uow:
        return list((await uow.session.exec(select(Pairing).order_by(col(Pairing.id)))).all())


async def test_a_round_pairs_everyone_once_and_writes_its_introductions_once(
        chat, services: Services, messenger: FakeMessenger) -> None:  # type: ignore[no-untyped-def]
    await _setup(chat, services)
    assert await rounds.make_due(services) == 1
    assert await rounds.make_due(services) == 0  # the next round is two weeks away
    pairs = await _pairs(services)
    placed = sorted(m for pair in pairs for m in pair.members)
    assert len(placed) == 5 and len(set(placed)) == 5 and sorted(len(p.members) for p in pairs) == [2, 3]
    intros = await _rows(services, rounds.INTRO)
    # console members share one platform that opens group conversations: one row per pair
    assert len(intros) == 2 and all(row.target_id.startswith("pair:console|") for row in intros)
    await Dispatcher(services).run_once()
    groups = [(to, reply) for kind, to, reply in messenger.sent if kind == "group"]
    assert len(groups) == 2
    for to, reply in groups:
        assert isinstance(to, GroupAddress) and len(to.user_ids) in (2, 3)
        assert "Data Science" in reply.text and "break the ice" in reply.text
        assert [b.action_id for b in reply.buttons] == ["pairing.met", "pairing.missed"]
    await Dispatcher(services).run_once()
    assert len([s for s in messenger.sent if s[0] == "group"]) == 2  # never twice


async def test_the_next_rounds_avoid_earlier_partners(chat, services: Services,  # type: ignore[no-untyped-def]
                                                      clock: FakeClock) -> None:
    people = tuple(f"p{i}@example.com" for i in range(8))
    await _setup(chat, services, (ANA, *people))
    seen: set[frozenset[int]] = set()
    for _ in range(4):
        assert await rounds.make_due(services) == 1
        async with services.db.uow() as uow:
            latest = select(PairingRound).order_by(col(PairingRound.index).desc())
            last = (await uow.session.exec(latest)).first()
            assert last is not None
            found = (await uow.session.exec(select(Pairing).where(Pairing.round_id == last.id))).all()
        for pair in found:
            key = frozenset(pair.members)
            assert key not in seen
            seen.add(key)
        clock.advance(timedelta(weeks=2))


async def test_paused_away_and_departed_members_are_not_paired(
        chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await _setup(chat, services)
    assert not (await chat(BOB).say("pairing pause until 2026-04-30")).error
    assert not (await chat(CLO).say("expert away")).error
    assert not (await chat(DAN).say("group leave data-science")).error
    await rounds.make_due(services)
    pairs = await _pairs(services)
    async with services.db.uow() as uow:
        from core.directory.members import find_by_email
        ids = {email: (await find_by_email(uow, email)).id for email in PEOPLE}  # type: ignore[union-attr]
    assert [sorted(p.members) for p in pairs] == [sorted([ids[ANA], ids[EVE]])]


async def test_too_few_participants_tells_the_owners(chat, services: Services,  # type: ignore[no-untyped-def]
                                                     messenger: FakeMessenger) -> None:
    await _setup(chat, services, (ANA,))
    assert await rounds.make_due(services) == 1
    assert await _pairs(services) == []
    await Dispatcher(services).run_once()
    texts = [reply.text for kind, to, reply in messenger.sent if kind == "direct"]
    assert any("No coffee pairing in **Data Science**" in text and "1 member" in text for text in texts)


async def test_buttons_record_the_outcome_for_the_pair_only_and_group_info_shows_it(
        chat, services: Services, clock: FakeClock, messenger: FakeMessenger) -> None:  # type: ignore[no-untyped-def]
    await _setup(chat, services, (ANA, BOB))
    await rounds.make_due(services)
    [pair] = await _pairs(services)
    assert (await chat(CLO).click("pairing.met", str(pair.id))).error  # not hers
    reply = await chat(BOB).click("pairing.met", str(pair.id))
    assert not reply.error and "you met" in reply.text
    info = await chat(ANA).say("group info data-science")
    assert "Round 1" in info.text and "1 of 1 pairs met (100%)" in info.text
    assert "Round 1" not in (await chat(BOB).say("group info data-science")).text  # not an owner
    clock.advance(timedelta(weeks=1, minutes=1))
    assert await rounds.remind_due(services) == 0  # the pair has answered: no reminder
    await Dispatcher(services).run_once()
    assert not any("Reminder" in reply.text for _, _, reply in messenger.sent)


async def test_a_reminder_goes_mid_round_to_a_pair_that_did_not_answer(
        chat, services: Services, clock: FakeClock, messenger: FakeMessenger) -> None:  # type: ignore[no-untyped-def]
    await _setup(chat, services, (ANA, BOB), "every 4 weeks")
    await rounds.make_due(services)
    clock.advance(timedelta(days=13))
    assert await rounds.remind_due(services) == 0
    clock.advance(timedelta(days=2))
    assert await rounds.remind_due(services) == 1
    assert await rounds.remind_due(services) == 0
    await Dispatcher(services).run_once()
    assert sum("Reminder" in reply.text for _, _, reply in messenger.sent) == 1


async def test_bad_input_gets_clear_messages(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    assert not (await chat(ANA).say("group create Data Science")).error
    assert not (await chat(BOB).say("group join data-science")).error
    cases = {
        "group pairing on data science size 4": "groups of 2 or 3",
        "group pairing on data science every 0 weeks": "from 1 to 12",
        "group pairing on data science every two weeks": "1 to 12",
        "group pairing on data science sometimes": None,
        "group pairing maybe data science": "`on` or `off`",
        "pairing pause until 2020-01-01": "has passed",
        "pairing pause until someday": "could not read",
    }
    for text, expected in cases.items():
        reply = await chat(ANA).say(text)
        assert reply.error, text
        if expected:
            assert expected in reply.text, (text, reply.text)
    refused = await chat(BOB).say("group pairing on data science")
    assert refused.error and "Only the owners" in refused.text
    not_on = await chat(BOB).say("pairing join data-science")
    assert not_on.error and "no coffee pairing yet" in not_on.text
    assert not (await chat(ANA).say("group pairing on data science")).error
    outsider = await chat(CLO).say("pairing join data-science")
    assert outsider.error and "group join data-science" in outsider.text


async def test_an_animator_may_turn_pairing_on_and_off_in_french(chat, db, services: Services) -> None:  # type: ignore[no-untyped-def]
    assert not (await chat(ANA).say("group create Data Science")).error
    await chat(CLO, "fr").say("lang fr")
    await give_role(db, CLO, "animator")
    on = await chat(CLO, "fr").say("group pairing on data science every 3 weeks size 3 cross-department")
    assert not on.error and "groupes de 3" in on.text and "3 semaine" in on.text
    off = await chat(CLO, "fr").say("group pairing off data science")
    assert not off.error and "coupées" in off.text
    assert await rounds.make_due(services) == 0


async def test_a_pair_across_platforms_is_introduced_on_each_side_with_name_and_email(
        chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    teams = FakeMessenger(platform="teams", can_open_group=False)
    services.messengers["teams"] = teams
    await _setup(chat, services, (ANA, BOB))
    async with services.db.uow() as uow:
        from core.directory.members import find_by_email
        from core.schema import Identity
        bob = await find_by_email(uow, BOB)
        assert bob is not None
        uow.session.add(Identity(member_id=bob.id, platform="teams", tenant="t1", user_id="29:bob",
                                 created_at=services.clock.now() + timedelta(seconds=1)))
        await uow.commit()
    await rounds.make_due(services)
    intros = await _rows(services, rounds.INTRO)
    assert sorted(row.target_kind for row in intros) == ["member", "member"]
    await Dispatcher(services).run_once()
    [(_, to_bob, to_bob_reply)] = teams.sent
    assert isinstance(to_bob, MemberAddress) and to_bob.user_id == "29:bob"
    assert "Ana" in to_bob_reply.text and "ana@example.com" in to_bob_reply.text
    console = services.messengers["console"]
    assert isinstance(console, FakeMessenger)
    [(_, _, to_ana)] = [s for s in console.sent if s[0] == "direct" and "pair" in s[2].text]
    assert "bob@example.com" in to_ana.text and "Microsoft Teams" in to_ana.text


async def test_stats_count_the_pairs_that_met(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await _setup(chat, services, (ANA, BOB, CLO, DAN))
    await rounds.make_due(services)
    first, _ = await _pairs(services)
    member = await _email_of(services, first.members[0])
    assert not (await chat(member).click("pairing.met", str(first.id))).error
    reply = await chat(ANA).say("stats groups")
    assert "Coffee pairing" in reply.text
    assert "2 pairs over 1 round; 1 said they met (50 %)" in reply.text


async def _email_of(services: Services, member_id: int) -> str:
    async with services.db.uow() as uow:
        from core.schema import Member
        found = await uow.session.get(Member, member_id)
        assert found is not None and found.email
        return found.email


async def test_two_schedulers_racing_make_the_round_once(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await _setup(chat, services)
    made = await asyncio.gather(rounds.make_due(services), rounds.make_due(services))
    assert sum(made) == 1
    async with services.db.uow() as uow:
        assert len((await uow.session.exec(select(PairingRound))).all()) == 1
    assert len(await _pairs(services)) == 2 and len(await _rows(services, rounds.INTRO)) == 2
