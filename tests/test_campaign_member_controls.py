"""A member's own controls over one campaign, from the chat: ``campaign skip`` (this round: no
reminder, not counted as missing), ``campaign snooze`` (one reminder N hours later, the regular ones
held back meanwhile), ``campaign leave`` (no more prompts of it, other campaigns unchanged), and
their bad input."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from core.schema import Delivery
from tests.campaign_support import ANA, BOB, CARL, DEE, create, demo_group, inbox, ok, tick


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def started(chat, db, clock, services, **overrides: str) -> None:  # type: ignore[no-untyped-def]
    """Campaign #1, weekly on Mondays, two rounds, reminder after 24 h, closing after 48 h; the
    first round sent to Ana, Bob (Paris) and Carl (New York)."""
    await demo_group(chat, db)
    values = dict(recurrence="FREQ=WEEKLY;BYDAY=MO", start="2026-03-09", count="2", reminder_after="24",
                  close_after="48") | overrides
    created = await create(chat, **values)
    assert not created.error, created.text
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-09T14:00")
    await tick(services)
    assert all(len(inbox(services.messengers["console"], who)) == 1 for who in (ANA, BOB, CARL))


async def test_skip_snooze_and_leave_each_do_what_they_say(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await started(chat, db, clock, services)
    skipped = await ok(chat(BOB), "campaign skip 1")
    assert "You skip round 1 of campaign #1" in skipped.text
    snoozed = await ok(chat(CARL), "campaign snooze 1 3")
    assert "I'll remind you of campaign #1" in snoozed.text
    assert "on March 9, 2026, 1:00\u202fPM" in snoozed.text  # Carl's time, in New York
    left = await ok(chat(ANA), "campaign leave 1")
    assert "You left campaign #1" in left.text and "campaign optout" in left.text
    assert "already left" in (await ok(chat(ANA), "campaign leave 1")).text

    clock.current = at("2026-03-09T16:59")
    await tick(services)
    assert len(inbox(messenger, CARL)) == 1
    clock.current = at("2026-03-09T17:00")               # 3 hours later: Carl's reminder
    await tick(services)
    assert len(inbox(messenger, CARL)) == 2 and "reminder" in inbox(messenger, CARL)[1].text.lower()

    clock.current = at("2026-03-10T14:00")               # 24 h: the regular reminders
    await tick(services)
    assert len(inbox(messenger, BOB)) == 1, "a skipped round is not reminded"
    assert len(inbox(messenger, ANA)) == 1, "a campaign left is not reminded"

    clock.current = at("2026-03-11T14:00")               # the round closes: its summary to Ana
    await tick(services)
    summary = inbox(messenger, ANA)[-1]
    assert "Participation: 0 of 1 (0 %)" in summary.text, "skipped and left are not missing answers"

    clock.current = at("2026-03-16T14:00")               # the next round
    await tick(services)
    prompts = {who: [r for r in inbox(messenger, who) if r.text.startswith("Time for")]
               for who in (ANA, BOB, CARL)}
    assert (len(prompts[ANA]), len(prompts[BOB]), len(prompts[CARL])) == (1, 2, 2)


async def test_snoozing_again_moves_the_one_reminder(chat, db, clock, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await started(chat, db, clock, services)
    await ok(chat(BOB), "campaign snooze 1 2")
    await ok(chat(BOB), "campaign snooze 1 5")
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).where(Delivery.purpose == "reminder.later"))).all()
    assert len(rows) == 1 and rows[0].next_attempt_at == at("2026-03-09T19:00")
    clock.current = at("2026-03-09T18:00")
    await tick(services)
    assert len(inbox(messenger, BOB)) == 1
    clock.current = at("2026-03-09T19:00")
    await tick(services)
    assert len(inbox(messenger, BOB)) == 2


async def test_bad_input_gets_a_clear_message(chat, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await started(chat, db, clock, services)
    for text, expected in (
            ("campaign snooze 1 0",
             "“0” is not a number of hours I can snooze for: give a whole number from 1 to 168"),
            ("campaign snooze 1 1000", "“1000” is not a number of hours"),
            ("campaign snooze 1 soon", "“soon” is not a number of hours"),
            ("campaign snooze 1 48", "closes before 48 hours from now: snooze for at most 47 hours"),
            ("campaign skip 99", "campaign"),
            ("campaign snooze 1", "campaign snooze <id> <hours>"),
            ("campaign skip", "campaign skip <id>")):
        reply = await chat(BOB).say(text)
        assert reply.error and expected in reply.text, (text, reply.text)
    stranger = await chat(DEE).say("campaign skip 1")
    assert stranger.error and "There is no campaign #1" in stranger.text, stranger.text
    clock.current = at("2026-03-12T00:00")
    await tick(services)
    closed = await chat(BOB).say("campaign skip 1")
    assert closed.error and "has no round open for you right now" in closed.text
    french = await chat(CARL, "fr").say("campaign snooze 1 1000")
    assert french.error and "n'est pas un nombre d'heures" in french.text and "de 1 à 168" in french.text


async def test_a_member_who_skipped_and_answers_after_all_counts_as_reached(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await started(chat, db, clock, services)
    await ok(chat(BOB), "campaign skip 1")
    prompt = inbox(messenger, BOB)[0]
    choice = prompt.sections[2].buttons[0]
    assert not (await chat(BOB).click(choice.action_id, choice.value)).error
    clock.current = at("2026-03-11T14:00")
    await tick(services)
    assert "Participation: 1 of 3 (33 %)" in inbox(messenger, ANA)[-1].text
