"""core.campaigns.reports: the campaign figures match the chat's summary and keep anonymity; adoption counts
active members, commands and new members per week, erased members' history included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.campaigns.reports import adoption_report, campaign_report, week_start
from core.runtime.activity_log import activity_log
from tests.campaign_support import ANA, BOB, CARL, set_member
from tests.report_support import TITLE, answer, sent_campaign


async def test_campaign_figures_per_round(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await sent_campaign(chat, db, clock, services)
    await answer(chat, messenger, BOB, text="use <b>fixtures</b> & marks", choice="Colleague", scale=4)
    await answer(chat, messenger, CARL, text="pair programming", choice="Project", scale=2)
    report = await campaign_report(db, "#1", 3)
    assert (report.id, report.title, report.anonymous) == (1, TITLE, False)
    (round_,) = report.rounds
    assert (round_.index, round_.date, round_.recipients, round_.respondents, round_.rate) == (
        1, "2026-03-09", 3, 2, 67)
    from bots.report_formats import campaign_html
    from core.i18n import Translator

    assert "tour 1 (9 mars 2026)" in campaign_html(report, Translator("fr", plain=True)), "read by people"
    assert "round 1 (March 9, 2026)" in campaign_html(report, Translator("en", plain=True))
    learned, where, useful = round_.prompts
    assert learned.kind == "text" and learned.answers == 2 and not learned.hidden
    assert {(a.text, a.who) for a in learned.texts} == {("use <b>fixtures</b> & marks", "Bob"),
                                                         ("pair programming", "Carl")}
    assert where.choices == (("Project", 1), ("Colleague", 1), ("Course", 0))
    assert useful.scale == ((1, 0), (2, 1), (3, 0), (4, 1), (5, 0)) and useful.average == 3.0


async def test_anonymous_campaign_names_nobody_and_withholds_figures_under_the_minimum(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await sent_campaign(chat, db, clock, services, anonymous=True)
    await answer(chat, messenger, BOB, text="my manager never listens", choice="Course", scale=1)
    await answer(chat, messenger, CARL, text="too many meetings", choice="Course", scale=5)
    (round_,) = (await campaign_report(db, "1", 3)).rounds
    for prompt in round_.prompts:
        assert prompt.answers == 2 and prompt.hidden
        assert (prompt.texts, prompt.choices, prompt.scale, prompt.average) == ((), (), (), None)
    await answer(chat, messenger, ANA, text="a third voice", choice="Project", scale=3)
    (round_,) = (await campaign_report(db, "1", 3)).rounds
    learned, where, useful = round_.prompts
    assert [a.text for a in learned.texts] == [
        "a third voice", "my manager never listens", "too many meetings"]    # alphabetical, not by time
    assert all(a.who is None for a in learned.texts) and not learned.hidden
    assert where.choices == (("Project", 1), ("Colleague", 0), ("Course", 2)) and useful.average == 3.0
    (round_,) = (await campaign_report(db, "1", 4)).rounds     # a raised minimum: hidden again
    assert all(prompt.hidden and not prompt.texts for prompt in round_.prompts)


async def test_adoption_counts_weekly_activity_erased_members_history_included(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await sent_campaign(chat, db, clock, services)          # setup commands fall on 2 March
    await answer(chat, messenger, BOB, choice="Project")    # clicks on 9 March
    clock.current = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    await chat(ANA).say("help")
    await chat(CARL).say("group list")
    await activity_log(db).flush()  # read-only commands' events are written in batches
    await set_member(db, CARL, erased_at=clock.current)
    await set_member(db, ANA, created_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # two weeks
    await set_member(db, BOB, created_at=datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    report = await adoption_report(db, datetime(2026, 3, 12, tzinfo=UTC), weeks=2)
    assert (report.start, report.end) == (date(2026, 3, 2), date(2026, 3, 15))
    first, second = report.weeks
    assert first.start == date(2026, 3, 2) and second.start == date(2026, 3, 9)
    assert first.active == 3 and first.new_members == 2     # Ana, Bob and Carl (erased since) active
    assert first.by_platform == (("console", 3),) and report.platforms == ("console",)
    assert first.commands > 0
    assert second.active == 3 and second.new_members == 1   # Bob joined then
    assert second.clicks == 1 and second.commands == 2      # Bob's click, Ana's help, Carl's group list
    (rate,) = report.campaigns
    assert (rate.id, rate.rounds, rate.recipients, rate.respondents, rate.rate) == (1, 1, 3, 1, 33)
    earlier = await adoption_report(db, datetime(2026, 2, 20, tzinfo=UTC), weeks=1)
    assert earlier.weeks[0].active == 0 and earlier.campaigns == ()


def test_weeks_start_on_monday_utc() -> None:
    sunday_night = datetime(2026, 3, 15, 23, 30, tzinfo=UTC)
    assert week_start(sunday_night) == datetime(2026, 3, 9, tzinfo=UTC)
    assert week_start(sunday_night + timedelta(hours=1)) == datetime(2026, 3, 16, tzinfo=UTC)


def test_a_choice_nobody_answered_is_drawn_on_an_axis_from_0_to_1() -> None:
    from bots.report_charts import answer_bars
    from core.stats.charts import BLUE, figure

    empty, answered = figure(2).subplots(2, 1)
    answer_bars(empty, ["Yes", "No"], [0, 0], BLUE)
    assert empty.get_xlim() == (0, 1)
    assert [tick for tick in empty.get_xticks() if 0 <= tick <= 1] == [0, 1]
    answer_bars(answered, ["Yes", "No"], [3, 5], BLUE)
    low, high = answered.get_xlim()
    assert low == 0 and high >= 5
