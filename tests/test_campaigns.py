"""Campaigns end to end from the console chat: the Done-when scenario, lifecycle, and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from core.campaigns.rounds import materialise_due
from core.schema import Campaign, CampaignPrompt, Delivery, Round
from tests.campaign_support import (
    ANA,
    BOB,
    CARL,
    DEE,
    create,
    demo_group,
    inbox,
    member,
    ok,
    set_member,
    tick,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def count(db, model: type) -> int:  # type: ignore[no-untyped-def]
    async with db.uow() as uow:
        return (await uow.session.exec(select(func.count()).select_from(model))).one()


async def test_weekly_campaign_reaches_everyone_at_local_0930(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    """The Done-when scenario: Paris and New York each get Monday's prompt at their own 09:30, the one
    who did not answer gets a reminder, and the animator gets a summary at close."""
    await demo_group(chat, db)
    created = await create(chat, recurrence="FREQ=WEEKLY;BYDAY=MO", start="2026-03-09", count="2",
                           reminder_after="24", close_after="48")
    assert not created.error, created.text
    assert [b.action_id for b in created.buttons] == ["campaign.start"]
    started = await chat(ANA).click("campaign.start", "1")
    assert not started.error and "0" in started.text

    clock.current = at("2026-03-09T08:29")        # 09:29 in Paris (CET)
    await tick(services)
    assert not inbox(messenger, BOB) and not inbox(messenger, CARL)
    clock.current = at("2026-03-09T08:30")        # 09:30 in Paris
    await tick(services)
    assert len(inbox(messenger, BOB)) == 1 and not inbox(messenger, CARL)
    clock.current = at("2026-03-09T13:29")        # 09:29 in New York (EDT since 8 March)
    await tick(services)
    assert not inbox(messenger, CARL)
    clock.current = at("2026-03-09T13:30")
    await tick(services)
    assert len(inbox(messenger, CARL)) == 1

    prompt = inbox(messenger, BOB)[0]
    assert "learn" in prompt.text and prompt.title == "Weekly learning share"
    choice = prompt.sections[2].buttons[1]
    assert not (await chat(BOB).click(choice.action_id, choice.value)).error
    write = prompt.sections[1].buttons[0]
    form = (await chat(BOB).click(write.action_id, write.value)).form
    assert form is not None
    saved = await chat(BOB).click(form.action_id, form.value, answer="pytest fixtures compose")
    assert not saved.error and "saved" in saved.text

    clock.current = at("2026-03-10T13:30")        # 24 h after Carl's prompt, 29 h after Bob's
    await tick(services)
    assert len(inbox(messenger, CARL)) == 2 and "reminder" in inbox(messenger, CARL)[1].text
    assert len(inbox(messenger, BOB)) == 1

    clock.current = at("2026-03-11T13:30")        # close: 48 h after the last recipient's 09:30
    await tick(services)
    summary = inbox(messenger, ANA)[-1]
    assert "1 of 3 (33 %)" in summary.text   # Ana owns the group, so she was asked too
    assert "pytest fixtures compose — Bob" in summary.text
    assert "From a colleague — 1" in summary.text
    late = await chat(BOB).click(choice.action_id, choice.value)
    assert late.error and "closed" in late.text

    clock.current = at("2026-03-16T08:30")        # the second and last Monday
    await tick(services)
    assert len(inbox(messenger, BOB)) == 2
    clock.current = at("2026-03-20T00:00")
    await tick(services)
    async with db.uow() as uow:
        assert (await uow.session.get(Campaign, 1)).status == "closed"  # type: ignore[union-attr]
    assert await count(db, Round) == 2


async def test_materialising_twice_or_late_neither_doubles_nor_loses(chat, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB, CARL, DEE))
    await create(chat, recurrence="weekly", start="2026-03-09", close_after="72")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T12:00")        # everything was down on Monday
    assert await materialise_due(services) == 1
    assert await materialise_due(services) == 0
    assert await count(db, Round) == 1
    assert await count(db, Delivery) == 4         # Ana (the group's owner), Bob, Carl, Dee
    clock.current = at("2026-03-20T12:00")        # Monday 16th fell due and closed while down: skipped
    await tick(services)
    clock.current = at("2026-03-23T12:00")        # Monday 23rd: round 3, numbered by the schedule
    await tick(services)
    async with db.uow() as uow:
        indexes = (await uow.session.exec(select(Round.index).order_by(Round.index))).all()
    assert indexes == [1, 3]


async def test_opted_out_erased_and_departed_get_nothing(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB, CARL, DEE))
    await create(chat, recurrence="once", start="2026-03-09")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-08T20:00")        # 09:30 has begun somewhere on Earth
    assert await materialise_due(services) == 1   # materialised for all four
    assert "no longer" in (await ok(chat(BOB), "campaign optout")).text
    await ok(chat(CARL), "group leave data science")
    await set_member(db, DEE, erased_at=clock.current)
    clock.current = at("2026-03-09T14:00")
    await tick(services)
    assert not inbox(messenger, BOB) and not inbox(messenger, CARL) and not inbox(messenger, DEE)
    async with db.uow() as uow:
        statuses = (await uow.session.exec(select(Delivery.status).where(Delivery.purpose == "prompt"))).all()
    assert sorted(statuses) == ["sent", "skipped", "skipped", "skipped"]  # only Ana's was sent
    assert "again" in (await ok(chat(BOB), "campaign optin")).text


async def test_lifecycle_list_show_pause_resume_close_report(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await create(chat, "quarterly-pulse", start="2026-03-09")
    ana = chat(ANA)
    assert "#1 Quarterly pulse — draft" in (await ok(ana, "campaign list")).text
    shown = await ok(ana, "campaign show 1")
    assert "Data Science" in shown.text and "1–5" in shown.text and "anonymous" in shown.text
    assert "Next round: June 1, 2026, 9:30\u202fAM" in shown.text
    assert "Quarterly pulse" not in (await ok(chat(BOB), "campaign list")).text  # a draft: Ana's alone
    assert "cannot be resumed" in (await ana.say("campaign resume 1")).text
    await ok(ana, "campaign start 1")
    assert "Quarterly pulse" in (await ok(chat(BOB), "campaign list")).text  # started: its audience sees it
    assert "cannot be started" in (await ana.say("campaign start 1")).text
    await ok(ana, "campaign pause 1")
    clock.current = at("2026-06-01T12:00")        # paused: the first Monday of June passes silently
    await tick(services)
    assert not inbox(messenger, BOB)
    await ok(ana, "campaign resume 1")            # still open: sent now rather than lost
    await tick(services)
    assert len(inbox(messenger, BOB)) == 1
    assert "closed" in (await ok(ana, "campaign close 1")).text
    await tick(services)
    assert "0 of 2" in inbox(messenger, ANA)[-1].text
    report = await ok(ana, "campaign report 1")
    assert "Participation" in report.text
    assert report.image is not None and report.image.png.startswith(b"\x89PNG") and "#1" in report.image.alt
    unknown = await ana.say("campaign report 42")
    assert unknown.error and "no campaign #42" in unknown.text and unknown.image is None
    assert (await ana.say("campaign close 1")).error
    assert (await ana.say("campaign show 42")).error


async def test_french_animator_gets_a_french_form_and_messages(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await ok(chat(ANA), "lang fr")
    reply = await ok(chat(ANA), "campaign new retour d'expérience projet")
    assert reply.form is not None and "Retour d'expérience projet" in reply.form.title
    prompts = next(field for field in reply.form.inputs if field.name == "prompts")
    assert "Qu'est-ce qui a bien marché" in prompts.initial
    assert ":: Oui | Avec des changements | Non" in prompts.initial


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"start": "2026-03-01"}, "in the past"),
    ({"recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "never produces"),
    ({"recurrence": "FREQ=WEEKLY;BYDAY=SA,SU", "skip_weekends": "yes"}, "never produces"),
    ({"recurrence": "FREQ=HOURLY"}, "more than once a day"),
    ({"recurrence": "every blue moon"}, "can't read"),
    ({"prompts": "  \n "}, "at least one question"),
    ({"prompts": "Pick :: only one"}, "two options"),
    ({"groups": "empty room"}, "no member"),
    ({"mode": "channel"}, "no linked channel"),
    ({"timezone": "Mars/Olympus"}, "time zone"),
    ({"time": "25:99"}, "time of day"),
    ({"reminders": "7"}, "“Reminders” must be"),                  # its label, never its internal name
    ({"reminder_after": "0.02"}, "“Remind after (hours)” must be"),
    ({"reminders": "2", "reminder_after": "36", "close_after": "72"}, "never be sent"),
    ({"reminder_after": "72", "close_after": "72"}, "at or after the close"),
    ({"groups": "nowhere"}, "nowhere"),
])
async def test_bad_input_is_named_and_nothing_is_created(chat, db, overrides, expected) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await ok(chat(ANA), "group create Empty Room")
    await ok(chat(ANA), "group leave empty room")
    reply = await create(chat, **overrides)
    assert reply.error and expected in reply.text, reply.text
    assert await count(db, Campaign) == 0 and await count(db, CampaignPrompt) == 0


async def test_non_animators_are_told_why_not(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    bob = chat(BOB)
    refused = await bob.say("campaign new")
    assert refused.error and "animator" in refused.text and refused.form is None
    submitted = await bob.click("campaign.create", "", title="Sneaky", groups="data science",
                                start="2026-03-09", prompts="Hello?")
    assert submitted.error and "animator" in submitted.text
    await create(chat)
    assert (await bob.say("campaign start 1")).error
    assert (await bob.say("campaign report 1")).error
    assert await count(db, Campaign) == 1


async def test_channel_mode_posts_in_linked_channels(chat, db, clock, messenger, services, router) -> None:  # type: ignore[no-untyped-def]
    from core.commands import Invocation
    from core.ports import ConversationRef

    await demo_group(chat, db)
    here = ConversationRef("console", "local", "C-data")
    linked = await router.handle(Invocation(chat(ANA).actor, "group link data science", here))
    assert not linked.error
    await create(chat, "ice-breakers", mode="channel", start="2026-03-10", summary_channels="yes",
                 timezone="Europe/Paris")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T10:00")
    await tick(services)
    posts = [reply for kind, to, reply in messenger.sent if kind == "post"]
    assert len(posts) == 1 and posts[0].visibility == "public" and "Coffee" in posts[0].text
    button = posts[0].sections[1].buttons[0]
    assert not (await chat(CARL).click(button.action_id, button.value)).error
    clock.current += timedelta(hours=48)          # Thursday 11:00 Paris: round 1 closes, round 2 opens
    await tick(services)
    posts = [reply.text for kind, to, reply in messenger.sent if kind == "post"]
    assert len(posts) == 3 and sum("Respondents: 1" in text for text in posts) == 1


async def test_a_channel_named_twice_gets_one_post(chat, db, clock, messenger, services, router) -> None:  # type: ignore[no-untyped-def]
    """A channel both linked to an audience group (twice: to two groups) and typed as the campaign's
    channel is one place: each round and its summary are posted there once, not once per way in."""
    from core.commands import Invocation
    from core.ports import ConversationRef

    await demo_group(chat, db)
    await ok(chat(ANA), "group create Coffee lovers")
    here = ConversationRef("console", "local", "C-data")
    for group in ("data science", "coffee lovers"):
        assert not (await router.handle(Invocation(chat(ANA).actor, f"group link {group}", here))).error
    await create(chat, "ice-breakers", mode="channel", groups="data science, coffee lovers", channel="C-data",
                 start="2026-03-10", summary_channels="yes", timezone="Europe/Paris")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T10:00")
    await tick(services)
    posts = [to for kind, to, reply in messenger.sent if kind == "post"]
    assert len(posts) == 1, posts
    clock.current += timedelta(hours=48)          # round 1 closes (its summary), round 2 opens
    await tick(services)
    assert len([to for kind, to, reply in messenger.sent if kind == "post"]) == 3


async def test_daily_prompts_across_march_dst_through_the_outbox(chat, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    """Ticking every hour of the working morning over the last Sunday of March: one prompt a day each,
    at local 09:30 (07:30 or 08:30 UTC in Paris, 13:30 UTC in New York)."""
    from core.campaigns.schedules import zone

    await demo_group(chat, db, (BOB, CARL))
    await create(chat, recurrence="FREQ=DAILY", start="2026-03-27", count="4", skip_weekends="no",
                 close_after="20", reminders="0")
    await ok(chat(ANA), "campaign start 1")
    for day in (27, 28, 29, 30):
        for hour in (6, 7, 8, 9, 12, 13, 14):
            clock.current = at(f"2026-03-{day}T{hour:02d}:30")
            await tick(services)
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery.target_id, Delivery.sent_at)
                                       .where(Delivery.purpose == "prompt", Delivery.status == "sent"))).all()
    bob, carl = (await member(db, BOB)), (await member(db, CARL))
    for person, tz in ((bob, "Europe/Paris"), (carl, "America/New_York")):
        local = sorted(sent.astimezone(zone(tz)) for target, sent in rows if target == str(person.id))
        assert [moment.day for moment in local] == [27, 28, 29, 30]
        assert all(moment.strftime("%H:%M") == "09:30" for moment in local)


async def test_cron_recurrence_from_the_form(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB,))
    await create(chat, recurrence="15 10 * * 1", start="2026-03-09", count="1")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-09T09:14")        # 10:14 in Paris
    await tick(services)
    assert not inbox(messenger, BOB)
    clock.current = at("2026-03-09T09:15")
    await tick(services)
    assert len(inbox(messenger, BOB)) == 1


async def test_inline_form_creates_at_once_and_names_unknown_fields(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    ana = chat(ANA)
    made = await ok(ana, 'campaign new ice-breakers groups="Data Science" start=2026-03-10 anonymous=yes')
    assert "#1" in made.text and made.form is None
    async with db.uow() as uow:
        campaign = await uow.session.get(Campaign, 1)
    assert campaign is not None and campaign.anonymous and campaign.template == "ice-breakers"
    assert campaign.recurrence == "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6"
    wrong = await ana.say("campaign new weekly-learning group=data-science")
    assert wrong.error and "group" in wrong.text and "groups" in wrong.text
    assert await count(db, Campaign) == 1


async def test_worker_at_start_sends_a_round_due_while_down(chat, db, clock, messenger, services,
                                                             registry) -> None:  # type: ignore[no-untyped-def]
    """The real scheduler Worker runs the campaign jobs: at start, a round still open is sent, once."""
    import asyncio

    from core.runtime.scheduler import Worker

    jobs = registry.jobs
    assert {"campaigns.rounds", "campaigns.reminders", "campaigns.close"} <= set(jobs)
    await demo_group(chat, db)
    await create(chat, recurrence="once", start="2026-03-09", timezone="Europe/Paris")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-09T15:00")        # the process was down at 09:30
    fast = {name: 0.05 for name in jobs if name.startswith(("campaigns.", "outbox."))}
    worker = Worker(services, registry, intervals=fast)
    await worker.start()
    try:
        for _ in range(400):                      # up to 20 s: generous for a loaded CI machine
            if inbox(messenger, BOB) and inbox(messenger, CARL):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)                  # more runs: nothing is sent twice
    finally:
        await worker.stop()
    assert len(inbox(messenger, BOB)) == 1 and len(inbox(messenger, CARL)) == 1


async def test_refusals_name_the_state_in_the_members_language(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await create(chat)
    await ok(chat(ANA), "lang fr")
    refused = await chat(ANA).say("campaign resume 1")
    assert refused.error and "brouillon" in refused.text
