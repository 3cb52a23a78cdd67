"""Dates, times and counts shown to members in their own language (issue 19, item 8): Babel writes
them (``core.dates``, ``Translator.plural``) on the reader's clock, never an ISO string or a "(s)"; and the
campaign form reads "next monday" from its author's own date, not the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.dates import day_of, format_moment, format_short_day
from core.i18n import Translator
from core.runtime.db import Database

NNBSP = "\u202f"  # what CLDR puts between a number and AM/PM, and between French thousands


def test_a_moment_on_the_readers_clock_in_their_language() -> None:
    moment = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert format_moment("en", moment, "Europe/Paris") == f"March 9, 2026, 9:00{NNBSP}AM"
    assert format_moment("fr", moment, "Europe/Paris") == "9 mars 2026, 09:00"
    assert format_moment("fr", moment, "America/New_York") == "9 mars 2026, 04:00", "summer time: the 8th"
    naive = datetime(2026, 3, 9, 21, 30)
    assert format_moment("en", naive) == f"March 9, 2026, 9:30{NNBSP}PM", "naive: already a wall time"
    assert format_moment("en", moment, "No/Zone") == f"March 9, 2026, 8:00{NNBSP}AM", "an unknown zone: UTC"


def test_a_day_is_the_one_of_the_readers_zone() -> None:
    late = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    assert day_of(late, "Europe/Paris") == date(2026, 3, 10)
    assert day_of(late, "America/New_York") == date(2026, 3, 9)
    assert format_short_day("en", date(2026, 3, 9)) == "Mar 9"
    assert format_short_day("fr", date(2026, 3, 9)) == "9 mars"


@pytest.mark.parametrize(("locale", "count", "expected"), [
    ("en", 0, "0 answers"), ("en", 1, "1 answer"), ("en", 2, "2 answers"),
    ("fr", 0, "0 réponse"), ("fr", 1, "1 réponse"), ("fr", 2, "2 réponses"),
    ("fr", 1234, f"1{NNBSP}234 réponses"), ("en", 1234, "1,234 answers"),
])
def test_counts_take_the_form_their_language_gives_them(locale: str, count: int, expected: str) -> None:
    assert Translator(locale, plain=True).plural("campaign.summary_answers", count) == expected


def test_plurals_once_written_with_s_in_brackets() -> None:
    en, fr = Translator("en", plain=True), Translator("fr", plain=True)
    assert en.plural("poll.voters", 1) == "1 person voted" and en.plural("poll.votes", 0) == "0 votes"
    assert fr.plural("poll.votes", 0) == "0 vote" and fr.plural("poll.voters", 3) == "3 personnes ont voté"
    assert "1 tour envoyé maintenant" in fr.plural("campaign.started", 1, id=1, title="T")
    assert "0 rounds sent now" in en.plural("campaign.started", 0, id=1, title="T")
    assert fr.plural("stats.other_departments", 2) == "2 autres services"
    assert en.plural("stats.roles_hidden", 1, minimum=5) == "1 role held by fewer than 5 people not shown."
    assert "— 1 time, last on" in en.plural("misses.line", 1, text="x", day="d")


async def test_a_campaign_shown_in_each_readers_language(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    from tests.campaign_support import ANA, create, demo_group, ok, set_member

    await demo_group(chat, db)
    await create(chat, "quarterly-pulse", start="2026-03-09")
    assert "Next round: June 1, 2026, 9:30" in (await ok(chat(ANA), "campaign show 1")).text
    await set_member(db, ANA, locale="fr")
    assert "1 juin 2026, 09:30" in (await ok(chat(ANA), "campaign show 1")).text


@pytest.mark.parametrize(("zone", "typed", "expected"), [
    # Sunday 8 March 2026 23:30 UTC is already Monday 9 March in Auckland: "next monday" is the 16th there
    ("Pacific/Auckland", "next monday", "March 16, 2026"),
    ("Pacific/Auckland", "lundi prochain", "March 16, 2026"),
    ("Europe/London", "next monday", "March 9, 2026"),
    ("Europe/London", "lundi prochain", "March 9, 2026"),
    ("Pacific/Auckland", "tomorrow", "March 10, 2026"),
    ("Europe/London", "demain", "March 9, 2026"),
])
async def test_the_form_reads_relative_days_from_the_authors_own_date(  # type: ignore[no-untyped-def]
        chat, db: Database, clock, zone: str, typed: str, expected: str) -> None:
    from tests.campaign_support import ANA, create, demo_group, ok, set_member

    await demo_group(chat, db)
    await set_member(db, ANA, timezone=zone)
    clock.current = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    created = await create(chat, start=typed, recurrence="once", timezone="local")
    assert not created.error, created.text
    shown = (await ok(chat(ANA), "campaign show 1")).text
    assert f"{expected}, 9:30" in shown, shown


async def test_starting_a_campaign_counts_rounds_the_readers_way(chat, db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    """No round is due yet: English says "0 rounds", French "0 tour" (zero takes the singular there)."""
    from tests.campaign_support import ANA, create, demo_group, ok, set_member

    clock.current = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    await demo_group(chat, db)
    await create(chat, start="2026-03-09")
    await create(chat, start="2026-03-09")
    assert "(0 rounds sent now;" in (await ok(chat(ANA), "campaign start 1")).text
    await set_member(db, ANA, locale="fr")
    assert "(0 tour envoyé maintenant ;" in (await ok(chat(ANA), "campaign start 2")).text


async def test_pairing_every_week_or_every_n_weeks_in_each_language(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    from tests.campaign_support import ANA, ok, set_member

    await ok(chat(ANA), "group create Data Science")
    weekly = await ok(chat(ANA), "group pairing on data science every 1 weeks")
    assert "groups of 2, every week;" in weekly.text
    await set_member(db, ANA, locale="fr")
    reply = await ok(chat(ANA), "group pairing on data science every 3 weeks")
    assert "toutes les 3 semaines ;" in reply.text


def test_a_campaigns_rounds_in_the_stats_line() -> None:
    en, fr = Translator("en", plain=True), Translator("fr", plain=True)
    params = {"id": 1, "title": "T", "rate": "50 %", "respondents": 1, "recipients": 2}
    assert en.plural("stats.campaign", 1, **params).endswith("over 1 round")
    assert fr.plural("stats.campaign", 0, **params).endswith("sur 0 tour")
    assert fr.plural("webui.preview_reached", 12) == "Les groupes atteignent 12 membres aujourd'hui."


def test_an_error_carrying_a_date_is_worded_when_its_reader_is_known() -> None:
    """An error is raised before anyone's language is known: it carries the date, ``t`` writes it."""
    from core.i18n import t

    start = datetime(2026, 3, 1, 9, 30)
    assert "Le début (1 mars 2026, 09:30)" in t("fr", "campaign.start_in_past", start=start)
    assert f"The start (March 1, 2026, 9:30{NNBSP}AM)" in t("en", "campaign.start_in_past", start=start)
    assert "effacées le 2 mars 2026 :" in t("fr", "privacy.already_erased", date=date(2026, 3, 2))


def test_messages_with_two_counts_take_each_form_on_its_own() -> None:
    from core.stats.figures import PairingFigures
    from core.stats.summary import pairing_line

    en, fr = Translator("en", plain=True), Translator("fr", plain=True)
    figures = PairingFigures(rounds=1, pairs=2, met=1)
    assert "2 pairs over 1 round; 1 said they met" in pairing_line(en, figures)
    assert "2 binômes sur 1 tour ;" in pairing_line(fr, figures)
    every = fr.plural("schedule.weeks", 1)
    settings = fr.plural("pairing.info_settings", 1, size=2, every=every)
    assert settings.endswith("chaque semaine, 1 participant")
    every = en.plural("schedule.weeks", 3)
    settings = en.plural("pairing.info_settings", 0, size=3, every=every)
    assert settings.endswith("every 3 weeks, 0 taking part")


def test_the_inbox_counts_questions_the_way_each_language_does() -> None:
    """English agrees with the total ("1 of 3 questions"), French with what is left ("1 question sur 3")."""
    for count, total, en_text, fr_text in ((1, 3, "1 of 3 questions", "1 question sur 3"),
                                           (2, 2, "2 of 2 questions", "2 questions sur 2"),
                                           (1, 1, "1 of 1 question", "1 question sur 1")):
        for locale, expected in (("en", en_text), ("fr", fr_text)):
            t = Translator(locale, plain=True)
            line = t.plural("inbox.prompt_line", count, title="T", when="—",
                            of_total=t.plural("inbox.of_total", total))
            assert expected in line, line


def test_a_web_page_cell_shows_an_instant_on_the_visitors_clock() -> None:
    moment = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    assert Translator("fr", plain=True).moment(moment, "Europe/Paris") == "9 mars 2026, 09:00"
    assert Translator("en").moment(moment.replace(tzinfo=None), None) == f"March 9, 2026, 8:00{NNBSP}AM"
    assert Translator("en").moment(moment, "Bad/Zone") == f"March 9, 2026, 8:00{NNBSP}AM"
