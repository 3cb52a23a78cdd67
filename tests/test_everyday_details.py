"""The small things a new user notices at once (issue 19, "smaller things"): typographic quotes, away
dates, ``expert back``, ``help``, ``campaign show``… each from the console chat or the function at stake."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.dates import format_day, parse_day
from core.i18n import Translator, plural_key
from core.runtime.db import Database
from core.text import normalise_quotes
from tests.campaign_support import set_member
from tests.test_skills import skills_of


def test_typographic_apostrophes_and_quotes_read_as_typed_ones() -> None:
    assert normalise_quotes("conduite d’équipe") == "conduite d'équipe"
    assert normalise_quotes("l‘équipe “data” «science»") == "l'équipe \"data\" \"science\""


async def test_one_skill_whatever_the_apostrophe(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    await ana.say("expert add conduite d'équipe")
    await ana.say("expert add conduite d’équipe")
    assert list(await skills_of(db, 1)) == ["conduite d'équipe"]
    removed = await ana.say("expert remove conduite d’équipe")
    assert not removed.error and await skills_of(db, 1) == {}


async def test_a_quote_inside_a_skill_is_kept_whole(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    await ana.say('expert add the "pragmatic" programmer, “clean code”, «craft»')
    assert set(await skills_of(db, 1)) == {'the "pragmatic" programmer', "clean code", "craft"}
    assert not (await ana.say('expert remove the “pragmatic” programmer')).error


@pytest.mark.parametrize(("text", "expected"), [
    ("next friday", date(2026, 3, 6)), ("vendredi prochain", date(2026, 3, 6)),
    ("jusqu'au 10 janvier", date(2027, 1, 10)), ("jusqu’au 10 janvier", date(2027, 1, 10)),
    ("until 2027-01-05", date(2027, 1, 5)), ("le 24/12", date(2026, 12, 24)), ("until", None),
])
def test_dates_people_type(text: str, expected: date | None) -> None:
    assert parse_day(text, date(2026, 3, 2)) == expected  # a Monday


def test_days_and_plurals_in_the_readers_language() -> None:
    assert format_day("en", date(2027, 1, 5)) == "January 5, 2027"
    assert format_day("fr-FR", date(2027, 1, 5)) == "5 janvier 2027"
    assert [plural_key("fr", "group.count", n) for n in (0, 1, 2)] == ["group.count_one", "group.count_one",
                                                                      "group.count_many"]
    assert [plural_key("en", "group.count", n) for n in (0, 1, 2)] == ["group.count_many", "group.count_one",
                                                                      "group.count_many"]
    assert Translator("fr").plural("group.count", 0) == "0 membre"
    assert Translator("en").plural("group.count", 1234) == "1,234 members"


async def test_away_until_is_the_day_the_author_meant_for_readers_anywhere(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana, bob, zoe = chat("ana@example.com"), chat("bob@example.com"), chat("zoe@example.com", "fr")
    for who in (ana, bob, zoe):
        await who.say("help")
    await set_member(db, "ana@example.com", timezone="America/Los_Angeles")
    await set_member(db, "bob@example.com", timezone="Europe/Paris")
    await set_member(db, "zoe@example.com", timezone="Asia/Tokyo")
    await ana.say("expert add kubernetes")
    assert "January 5, 2027" in (await ana.say("expert away until 2027-01-05")).text
    assert "Away until January 5, 2027 included" in (await bob.say("expert find kubernetes")).text
    assert "5 janvier 2027" in (await zoe.say("expert find kubernetes")).text
    assert "January 5, 2027" in (await ana.say("expert me")).text


async def test_back_to_someone_who_was_not_away_says_so(chat, clock) -> None:  # type: ignore[no-untyped-def]
    bob = chat("bob@example.com")
    never = await bob.say("expert back")
    assert "not away" in never.text and "Welcome" not in never.text
    await bob.say("expert away")
    assert "Welcome back" in (await bob.say("expert back")).text
    assert "not away" in (await bob.say("expert back")).text
    await bob.say("expert away until tomorrow")
    clock.advance(timedelta(days=3))
    assert "not away" in (await bob.say("expert back")).text, "a date that has passed is over"
    assert "pas absent" in (await chat("zoe@example.com", "fr").say("expert back")).text


async def test_help_offers_only_commands_that_work(services) -> None:  # type: ignore[no-untyped-def]
    """A process without the experts capability still knows ``expert add`` (it answers "not available
    yet"), but ``help`` does not offer it; what a member may not use is not offered either."""
    from core.capabilities import CAPABILITIES, build_registry
    from core.commands.router import CommandRouter
    from core.experts import wiring as experts
    from tests.conftest import Chat

    registry = build_registry(tuple(c for c in CAPABILITIES if c is not experts.register))
    ana = Chat(CommandRouter(services, registry), "ana@example.com")
    assert "not available yet" in (await ana.say("expert add python")).text
    shown = (await ana.say("help")).text
    assert "expert add" not in shown and "question list" not in shown and "group join" in shown
    assert "role grant" not in shown and "audit" not in shown, "admins' commands are not offered to members"


async def test_campaign_show_says_the_schedule_in_words_and_counts_rounds(chat, db, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.campaign_support import ANA, BOB, create, demo_group, ok
    from tests.test_campaign_access import at

    await demo_group(chat, db)
    await create(chat, start="2026-03-10", recurrence="FREQ=WEEKLY;BYDAY=TU,TH", count="6",
                 timezone="Europe/Paris")
    shown = (await ok(chat(ANA), "campaign show 1")).text
    assert "every week, on Tuesday and Thursday" in shown and "FREQ" not in shown
    assert "Rounds held: 0 of 6" in shown
    clock.current = at("2026-03-10T12:00")
    await ok(chat(ANA), "campaign start 1")
    assert "Rounds held: 1 of 6" in (await ok(chat(ANA), "campaign show 1")).text
    await ok(chat(ANA), "lang fr")
    assert "chaque semaine, les mardi et jeudi" in (await ok(chat(ANA), "campaign show 1")).text
    refused = await chat(BOB).say("campaign report 1")
    assert refused.error and "who run a campaign" in refused.text and "create or run" not in refused.text


async def test_the_demo_organisation_has_groups_experts_and_a_running_campaign(  # type: ignore[no-untyped-def]
        db: Database, chat) -> None:
    from sqlmodel import select

    from bots.demo import seed
    from core.schema import Campaign, Delivery

    await seed(db)
    await seed(db)  # a kept demo database seeded again gains nothing twice
    ana = chat("ana.martin@aurora.example")
    groups = (await ana.say("group list")).text
    assert "Data Science" in groups and "DevOps Guild" in groups and "Running Club" in groups
    assert "Comité de direction" not in groups, "the private group shows only to its members"
    assert "Comité de direction" in (await chat("thomas.girard@aurora.example").say("group list")).text
    assert "Lucas Bernard" in (await ana.say("expert find kubernetes")).text
    async with db.uow() as uow:
        campaigns = (await uow.session.exec(select(Campaign))).all()
        prompts = (await uow.session.exec(select(Delivery))).all()
    assert [c.status for c in campaigns] == ["running"] and prompts
    assert "Weekly learning" in (await ana.say("campaign list")).text
