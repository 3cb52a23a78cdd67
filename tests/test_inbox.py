"""What is waiting for me (issue 19, part 1), through the router and the console chat.

An expert who was not at the keyboard when a question reached them answers it later, from ``inbox``
(its Answer button) or with ``question answer <id> <text>``; the asker reads the answer in ``question
list`` and in their own ``inbox``; a member who missed a three-question prompt opens it again from
``inbox`` and answers every question of it with the console's numbers (``4`` then ``7`` both work);
bad input gets clear messages in English and French.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import col, select

from core.i18n import Translator
from core.registry import Registry
from core.schema import Answer, Question, Response
from core.services import Services
from core.settings import RolloutSettings
from tests.campaign_support import ANA, BOB, create, demo_group, ok, tick
from tests.test_console import chat_over

LEA = "lea@example.com"
QUESTION = "how do I deploy on kubernetes?"
EN, FR = Translator("en"), Translator("fr")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def routed_to_lea(chat) -> None:  # type: ignore[no-untyped-def]
    """Léa declares kubernetes; Ana's question #1 goes to her while she is away from the keyboard."""
    await ok(chat(LEA), "expert add kubernetes")
    routed = await ok(chat(ANA), f"ask {QUESTION}")
    assert "#1" in routed.text


async def test_an_empty_inbox_says_so_in_both_languages(chat) -> None:  # type: ignore[no-untyped-def]
    empty = await ok(chat(BOB), "inbox")
    assert empty.text == EN("inbox.empty") and not empty.sections
    await ok(chat(LEA), "lang fr")
    vide = await ok(chat(LEA), "inbox")
    assert vide.text == FR("inbox.empty") and "Rien ne vous attend" in vide.text


async def test_the_expert_answers_from_the_inbox_on_the_console(chat, services: Services,  # type: ignore[no-untyped-def]
                                                                registry: Registry) -> None:
    await routed_to_lea(chat)
    out = io.StringIO()
    typed = "inbox\n1\nUse helm and a readiness probe.\n\n1\n2\ninbox\n"
    await chat_over(services, registry, LEA, typed, out).run()
    text = out.getvalue()
    assert "Questions for you to answer" in text and f"#1 {QUESTION}" in text
    assert "[1] Answer  [2] Pass" in text
    assert "Your answer" in text                                   # the Answer button's form, asked
    assert "Thanks! Your answer to question #1 is on its way to" in text
    assert text.count("Question #1 is already answered or closed.") == 2  # its numbers, used again
    assert text.rstrip().endswith(EN("inbox.empty").replace("`", ""))  # nothing waits any more

    asked = await ok(chat(ANA), "question list")
    assert "[answered]" in asked.text and "Use helm and a readiness probe." in asked.text
    waiting = await ok(chat(ANA), "inbox")
    assert "Answers to your questions" in waiting.text and "Use helm and a readiness probe." in waiting.text
    helpful = [b for s in waiting.sections for b in s.buttons if b.action_id == "question.helpful"]
    assert [b.value for b in helpful] == ["1:yes", "1:no"]
    assert not (await chat(ANA).click("question.helpful", "1:yes")).error
    assert (await ok(chat(ANA), "inbox")).text == EN("inbox.empty")  # rated: nothing waits


async def test_question_answer_and_pass_by_id(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await routed_to_lea(chat)
    listed = await ok(chat(LEA), "question list")
    assert "question answer <id> <text>" in (listed.context or "")

    refused = await chat(BOB).say("question answer 1 I know this one")
    assert refused.error and refused.text == EN("question.not_yours", id=1)
    await ok(chat(BOB), "lang fr")
    refusé = await chat(BOB).say("question answer 1 Je sais")
    assert refusé.error and refusé.text == FR("question.not_yours", id=1)
    unknown = await chat(LEA).say("question answer 99 Use helm")
    assert unknown.error and unknown.text == EN("question.not_found", id=99)
    bad = await chat(LEA).say("question answer one Use helm")
    assert bad.error and "“one” is not a question number" in bad.text
    missing = await chat(LEA).say("question answer 1")
    assert missing.error and "question answer <id> <text>" in missing.text

    sent = await ok(chat(LEA), "question answer #1\nUse helm\nand a readiness probe.")
    assert "Thanks! Your answer to question #1" in sent.text
    async with services.db.uow() as uow:
        question = await uow.session.get(Question, 1)
        (answer,) = (await uow.session.exec(select(Answer))).all()
    assert question is not None and question.status == "answered"
    assert answer.text == "Use helm\nand a readiness probe."
    again = await chat(LEA).say("question answer 1 Or kustomize")
    assert again.error and again.text == EN("question.already_answered", id=1)
    passed = await chat(LEA).say("question pass 1")
    assert passed.error and passed.text == EN("question.already_answered", id=1)


async def test_question_pass_by_id_moves_the_question_on(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await routed_to_lea(chat)
    refused = await chat(BOB).say("question pass 1")
    assert refused.error and refused.text == EN("question.not_yours", id=1)
    passed = await chat(LEA).say("question pass 1")
    assert not passed.error and "#1" in passed.text
    assert (await ok(chat(LEA), "inbox")).text == EN("inbox.empty")


async def missed_pulse(chat, db, clock, services: Services) -> int:  # type: ignore[no-untyped-def]
    """A three-question pulse (two scales, one text) reached Bob, who was not there; its round id."""
    await demo_group(chat, db)
    created = await create(chat, "quarterly-pulse", recurrence="once", start="2026-03-09",
                           close_after="48", reminders="1", reminder_after="24")
    assert not created.error, created.text
    assert not (await chat(ANA).click("campaign.start", "1")).error
    clock.current = at("2026-03-09T08:30")
    await tick(services)
    async with db.uow() as uow:
        return (await uow.session.exec(select(Response.round_id))).first() or 1


async def test_a_member_reopens_a_missed_prompt_and_answers_every_question_on_the_console(
        chat, db, clock, services: Services, registry: Registry) -> None:  # type: ignore[no-untyped-def]
    await missed_pulse(chat, db, clock, services)
    waiting = await ok(chat(BOB), "inbox")
    assert "Campaign prompts you have not answered" in waiting.text
    assert "“Quarterly pulse”: 3 of 3 questions not answered" in waiting.text

    out = io.StringIO()
    typed = "inbox\n1\n4\n7\n11\nMore demos, please.\n\n7\n9\ninbox\n"
    await chat_over(services, registry, BOB, typed, out).run()
    text = out.getvalue()
    assert "[1] Open" in text
    assert "[1] 1  [2] 2  [3] 3  [4] 4  [5] 5" in text and "[6] 1  [7] 2" in text and "[11] Answer" in text
    assert "I don't know the command" not in text                   # 7 after 4: both numbers still work
    assert text.count("is saved") == 3                               # questions 1, 2 and 3
    assert "Your answer to question 2 of “Quarterly pulse” is updated." in text  # 7 then 9: edited
    assert text.rstrip().endswith(EN("inbox.empty").replace("`", ""))
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Response).order_by(col(Response.prompt_id)))).all()
    assert [(r.scale, r.text) for r in rows] == [(4, None), (4, None), (None, "More demos, please.")]


async def test_a_reopened_prompt_shows_what_was_answered_and_closes_with_its_round(
        chat, db, clock, services: Services) -> None:  # type: ignore[no-untyped-def]
    await missed_pulse(chat, db, clock, services)
    opened = await chat(BOB).click("campaign.reopen", "1")
    assert not opened.error and "3 of 3 questions still to answer" in opened.text
    scale = opened.sections[1].buttons[2]
    assert not (await chat(BOB).click(scale.action_id, scale.value)).error
    again = await chat(BOB).click("campaign.reopen", "1")
    assert "2 of 3" in again.text and "✓ Your answer: 3" in again.sections[1].text
    assert "1 of 3 questions not answered" not in (await ok(chat(BOB), "inbox")).text
    assert "2 of 3 questions not answered" in (await ok(chat(BOB), "inbox")).text

    outsider = await chat(LEA).click("campaign.reopen", "1")        # the prompt never reached Léa
    assert outsider.error and outsider.text == EN("campaign.not_recipient")
    clock.current = at("2026-03-11T14:00")           # 48 h after the last 09:30 (New York): closed
    await tick(services)
    closed = await chat(BOB).click("campaign.reopen", "1")
    assert closed.error and "closed" in closed.text
    assert (await ok(chat(BOB), "inbox")).text == EN("inbox.empty")


async def test_help_names_inbox_and_the_question_commands_in_both_languages(chat) -> None:  # type: ignore[no-untyped-def]
    assert "inbox" in (await ok(chat(BOB), "help")).text
    question = await ok(chat(BOB), "help question")
    assert "question answer <id> <text>" in question.text and "question pass <id>" in question.text
    await ok(chat(LEA), "lang fr")
    assert "Ce qui vous attend" in (await ok(chat(LEA), "help")).text


async def test_a_switched_off_area_leaves_its_part_out_of_the_inbox(chat, services: Services) -> None:  # type: ignore[no-untyped-def]
    await routed_to_lea(chat)
    assert "#1" in (await ok(chat(LEA), "inbox")).text
    experts_off = RolloutSettings(disabled_areas=frozenset({"experts"}))
    services.settings = replace(services.settings, rollout=experts_off)
    assert (await ok(chat(LEA), "inbox")).text == EN("inbox.empty")  # its buttons would be refused
