"""Quick polls through the real router and database: posted in the channel the command came from,
voted on by three members, the message updated with the counts (throttled), moved and withdrawn
votes, closing by the author only, anonymous votes stored without the member, and bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from core.commands import Invocation
from core.delivery.dispatcher import Dispatcher
from core.messages import Reply
from core.polls.models import Poll, PollVote
from core.polls.updates import UPDATE_EVERY
from core.ports import ConversationRef, FakeClock, FakeMessenger
from core.services import Services
from tests.hostile_support import HOSTILE, MARK, literal

ANA, BOB, CY, DEE = "ana@example.com", "bob@example.com", "cy@example.com", "dee@example.com"
LUNCH = ConversationRef("console", "local", "lunch")


async def post(chat: Any, text: str, email: str = ANA, where: ConversationRef | None = LUNCH,
               locale: str | None = None) -> Reply:
    who = chat(email, locale)
    return await who.router.handle(Invocation(actor=who.actor, text=text, channel=where))  # type: ignore[no-any-return]


def shown(messenger: FakeMessenger) -> list[tuple[str, Reply]]:
    """What was posted in or updated on the channel, in order."""
    return [(kind, reply) for kind, _, reply in messenger.sent if kind in ("post", "update")]


async def vote(chat: Any, email: str, value: str) -> Reply:
    reply: Reply = await chat(email).click("poll.vote", value)
    assert not reply.error, reply.text
    return reply


async def test_three_members_vote_and_the_message_shows_the_counts(chat, messenger, services, clock) -> None:  # type: ignore[no-untyped-def]
    posted = await post(chat, 'poll “Lunch on Friday?” “Pizza” “Sushi” "Salad"')
    assert posted.silent and not posted.error, posted.text
    ((kind, message),) = shown(messenger)
    assert kind == "post" and message.visibility == "public"
    assert message.title == "📊 Lunch on Friday?"
    assert [(b.label, b.action_id, b.value) for b in message.buttons] == [
        ("Pizza", "poll.vote", "1:0"), ("Sushi", "poll.vote", "1:1"), ("Salad", "poll.vote", "1:2"),
        ("Close poll", "poll.close", "1")]
    assert (await vote(chat, ANA, "1:0")).silent
    updates = shown(messenger)[1:]
    assert len(updates) == 1 and "**1. Pizza**" in updates[0][1].text
    assert "1 vote (100 %)" in updates[0][1].text
    await vote(chat, BOB, "1:1")
    await vote(chat, CY, "1:0")
    assert len(shown(messenger)) == 2, "throttled: the next update waits for the end of the interval"
    clock.advance(UPDATE_EVERY)
    await Dispatcher(services).run_once()
    kind, last = shown(messenger)[-1]
    assert kind == "update" and len(shown(messenger)) == 3
    assert "Pizza**  ▓▓▓▓▓▓▓░░░  2 votes (67 %)" in last.text
    assert "Sushi**  ▓▓▓░░░░░░░  1 vote (33 %)" in last.text
    assert "Salad**  ░░░░░░░░░░  0 votes (0 %)" in last.text
    assert last.context is not None and "3 people voted" in last.context and "Poll by Ana" in last.context
    replaced = [to for kind, to, _ in messenger.sent if kind == "update"]
    assert all(getattr(to, "message_id", None) == "1" for to in replaced), "the post itself is updated"


async def test_a_burst_of_votes_costs_one_update_per_interval_and_the_last_state_is_shown(  # type: ignore[no-untyped-def]
        chat, messenger, services, clock: FakeClock) -> None:
    await post(chat, 'poll "Retro day?" "Monday" "Friday"')
    voters = [f"m{n}@example.com" for n in range(8)]
    for n, email in enumerate(voters):
        await vote(chat, email, f"1:{n % 2}")
        clock.advance(timedelta(seconds=1))
        await Dispatcher(services).run_once()
    assert len(shown(messenger)) - 1 <= 8 // 5 + 2  # at most one update per 5 s, not one per vote
    clock.advance(UPDATE_EVERY)
    await Dispatcher(services).run_once()
    assert "8 people voted" in (shown(messenger)[-1][1].context or "")


async def test_voting_again_moves_the_vote_and_the_same_option_takes_it_back(chat, db, messenger) -> None:  # type: ignore[no-untyped-def]
    await post(chat, 'poll "Tabs or spaces?" "Tabs" "Spaces"')
    await vote(chat, BOB, "1:0")
    await vote(chat, BOB, "1:1")
    async with db.uow() as uow:
        (row,) = (await uow.session.exec(select(PollVote))).all()
        assert (row.option, row.voter) == (1, str(row.member_id)) and row.member_id is not None
    await vote(chat, BOB, "1:1")
    async with db.uow() as uow:
        assert (await uow.session.exec(select(PollVote))).all() == []


async def test_only_the_author_closes_and_a_closed_poll_refuses_votes(chat, messenger, services) -> None:  # type: ignore[no-untyped-def]
    await post(chat, 'poll "Offsite in June?" "Yes" "No"')
    await vote(chat, BOB, "1:0")
    refused = await chat(BOB).click("poll.close", "1")
    assert refused.error and "Only the person who posted the poll can close it" in refused.text
    closed = await chat(ANA).click("poll.close", "1")
    assert closed.silent and not closed.error
    kind, final = shown(messenger)[-1]
    assert kind == "update" and final.title == "📊 Offsite in June? (closed)" and final.buttons == ()
    assert "1 vote (100 %)" in final.text and "closed: final results" in (final.context or "")
    late = await chat(CY).click("poll.vote", "1:1")
    assert late.error and "is closed: it takes no more votes" in late.text
    again = await chat(ANA, "fr").click("poll.close", "1")
    assert again.error and "est déjà clos" in again.text


async def test_anonymous_votes_keep_no_member_and_counts_wait_for_the_minimum(  # type: ignore[no-untyped-def]
        chat, db, messenger, services, clock) -> None:
    await post(chat, 'poll «Is the new process clear?» «Yes» «No» anonymous')
    clock.advance(timedelta(minutes=3))
    await vote(chat, BOB, "1:1")
    async with db.uow() as uow:
        poll = (await uow.session.exec(select(Poll))).one()
        (row,) = (await uow.session.exec(select(PollVote))).all()
    assert poll.anonymous and row.member_id is None and row.voter.startswith("anon:")
    assert row.voted_at == poll.created_at, "the click's time is not kept"
    assert len(row.voter) == len("anon:") + 64  # an HMAC-SHA256, hex
    hidden = shown(messenger)[-1][1]
    assert "votes" not in hidden.text
    assert "counts are shown once 3 people have voted" in (hidden.context or "")
    await vote(chat, CY, "1:0")
    await vote(chat, DEE, "1:1")
    await vote(chat, BOB, "1:0")  # moved: Parvis recognises Bob's vote by its key
    clock.advance(UPDATE_EVERY)
    await Dispatcher(services).run_once()
    counts = shown(messenger)[-1][1]
    assert "Yes**  ▓▓▓▓▓▓▓░░░  2 votes" in counts.text and "No**  ▓▓▓░░░░░░░  1 vote" in counts.text
    assert "Bob" not in counts.text + (counts.context or "")
    await chat(ANA).click("poll.close", "1")
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(PollVote).where(col(PollVote.poll_id) == 1))).all()
    assert sorted(row.option for row in rows) == [0, 0, 1]
    assert all(row.voter.startswith("closed:") and row.member_id is None for row in rows)


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ('poll "Lunch?" "Pizza"', "en", "A poll needs at least 2 options, and I found 1"),
    ("poll " + '"Q?" ' + " ".join(f'"o{n}"' for n in range(11)), "en",
     "A poll takes at most 10 options, and you gave 11"),
    ('poll "" "Pizza" "Sushi"', "en", "The question is empty"),
    ("poll", "en", "Give a question and at least two options"),
    ('poll "Lunch?" "Pizza" "pizza"', "en", "The option “pizza” is given twice"),
    ('poll "Lunch?" "Pizza" ""', "en", "Option 2 is empty"),
    ('poll "Déjeuner ?" "Pizza"', "fr", "Un sondage demande au moins 2 options, et j'en ai trouvé 1"),
    ("poll « » « A » « B »", "fr", "La question est vide"),
    ("poll " + '"Q?" ' + " ".join(f'"o{n}"' for n in range(11)), "fr", "Un sondage prend au plus 10 options"),
])
async def test_bad_input_gets_a_clear_message(chat, messenger, text: str, locale: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    reply = await post(chat, text, locale=locale)
    assert reply.error and expected in reply.text, reply.text
    assert shown(messenger) == []


async def test_a_poll_outside_a_channel_says_where_to_post_it(chat, messenger) -> None:  # type: ignore[no-untyped-def]
    reply = await post(chat, 'poll "Lunch?" "Pizza" "Sushi"', where=None)
    assert reply.error and "posted in a channel or a group chat" in reply.text
    assert shown(messenger) == []


async def test_an_unquoted_question_runs_to_the_first_quote(chat, db, messenger) -> None:  # type: ignore[no-untyped-def]
    reply = await post(chat, 'poll Where do we meet? "Lyon" Paris anonyme')
    assert reply.silent, reply.text
    async with db.uow() as uow:
        poll = (await uow.session.exec(select(Poll))).one()
    assert (poll.question, poll.options, poll.anonymous) == ("Where do we meet?", ["Lyon", "Paris"], True)


async def test_votes_for_unknown_polls_or_options_are_refused(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await post(chat, 'poll "Lunch?" "Pizza" "Sushi"')
    for value, expected in (("9:0", "There is no poll #9"), ("1:7", "not part of the poll"),
                            ("x", "There is no poll")):
        reply = await chat(BOB).click("poll.vote", value)
        assert reply.error and expected in reply.text, reply.text


async def test_member_text_in_a_poll_is_text_not_markup(chat, messenger) -> None:  # type: ignore[no-untyped-def]
    option = f"{MARK} **b**"
    await post(chat, f'poll "{HOSTILE}" "{option}" "plain"')
    ((_, message),) = shown(messenger)
    assert message.title is not None and literal(message.title, HOSTILE)
    assert literal(message.text, option)
    assert message.buttons[0].label.count(MARK) == 1
