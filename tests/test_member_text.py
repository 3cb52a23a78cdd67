"""Issue 12, finding 5: member-written text is text, never markup, wherever Parvis shows it.

A group named and described, a question asked and answered, an announcement, a campaign titled and
prompted, an answer summarised — each with the characters Slack, Teams and the neutral markup would
read as a ping, a mention, a link or formatting (``tests/hostile_support.py``). Every reply that
shows them must carry them escaped once: neutral markup that reads as exactly what was typed, with no
link and no formatting of the member's making. The platform tests (``tests/slack``, ``tests/teams``)
then check what each platform is actually sent; ``tests/test_console.py`` what a terminal prints.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.delivery.dispatcher import Dispatcher
from core.markup import plain
from core.messages import Reply
from core.ports import ConversationRef, FakeClock, FakeMessenger
from core.runtime.db import Database
from core.services import Services
from tests.campaign_support import ANA, BOB, create, demo_group, inbox, ok, set_member, tick
from tests.expert_support import directs, import_demo
from tests.hostile_support import HOSTILE, NAME, shown

#: a choice of a prompt (``|`` separates choices)
OPTION = NAME.replace("|", "/")
ASKER, HUGO = "emily.jones@aurora.example", "hugo.lefebvre@aurora.example"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def sent(messenger: FakeMessenger) -> list[Reply]:
    return [reply for _kind, _to, reply in messenger.sent]


async def test_group_names_descriptions_members_and_announcements(
        chat, router: CommandRouter, messenger: FakeMessenger, db: Database, services: Services) -> None:  # type: ignore[no-untyped-def]
    ana, bob = chat(ANA), chat(BOB)
    created = await ok(ana, f'group create "{NAME}" -- {HOSTILE}')
    assert shown(created, NAME)
    slug = "channel-u123-https-x-y-b-i-s-c-a-https-x-b"
    await set_member(db, ANA, display_name=NAME, title=NAME)
    assert shown(await ok(bob, "group list"), NAME)
    info = await ok(bob, f"group info {slug}")
    assert shown(info, NAME) and HOSTILE in plain(info.text)            # name, description, owner
    assert shown(await ok(bob, f"group members {slug}"), NAME)          # the owner's name and title
    assert shown(await ok(bob, f"group join {slug}"), NAME)

    here = ConversationRef("console", "local", "C-general")
    assert not (await router.handle(Invocation(ana.actor, f"group link {slug}", here))).error
    await ok(ana, f"group announce {slug} {HOSTILE}")
    await Dispatcher(services).run_once()   # announcements sent through the outbox, if they are
    (announcement,) = [reply for reply in sent(messenger) if reply.visibility == "public"]
    assert shown(announcement, NAME) and HOSTILE in plain(announcement.text)


async def test_questions_and_answers(chat, messenger: FakeMessenger, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    asker, hugo = chat(ASKER), chat(HUGO, "en")
    await ok(asker, f"ask {HOSTILE} How do I deploy a Python service on Kubernetes?")
    card = directs(messenger, HUGO)[-1]
    assert shown(card)
    assert shown(await ok(hugo, "question list"))
    opened = await hugo.click("question.answer", "1")
    assert not opened.error and shown(opened)
    await hugo.click("question.submit", "1", answer=HOSTILE)
    answer = directs(messenger, ASKER)[-1]
    assert shown(answer)
    updates = [reply for kind, _, reply in messenger.sent if kind == "update"]
    assert shown(updates[-1])
    assert shown(await ok(asker, "question list"))
    await asker.click("question.helpful", "1:yes")
    offered = await ok(hugo, f"ask {HOSTILE} deploying python on kubernetes, how?")
    assert offered.sections and all(shown(Reply(text=s.text)) for s in offered.sections)


async def test_campaign_titles_prompts_options_and_answers_in_summaries(
        chat, db: Database, clock: FakeClock, messenger: FakeMessenger, services: Services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await set_member(db, BOB, display_name=NAME)
    prompts = f"{HOSTILE}\n{HOSTILE} :: {OPTION} | plain\nHow? :: 1-5"
    created = await create(chat, title=HOSTILE, prompts=prompts, recurrence="once", start="2026-03-09",
                           close_after="48", timezone="Europe/Paris")
    assert not created.error, created.text
    assert shown(created)
    assert shown(await ok(chat(ANA), "campaign list"))
    show = await ok(chat(ANA), "campaign show 1")
    assert shown(show)
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-09T08:30")
    await tick(services)
    prompt = inbox(messenger, BOB)[-1]
    assert shown(prompt)                                                # title, intro, prompt text
    assert shown(Reply(text=prompt.sections[1].text))                   # the text prompt
    choice = prompt.sections[2]
    assert plain(choice.buttons[0].label) == OPTION                    # an option, as a button
    write = prompt.sections[1].buttons[0]
    form = await chat(BOB).click(write.action_id, write.value)
    assert not form.error and shown(form)
    assert form.form is not None
    await chat(BOB).click(form.form.action_id, form.form.value, answer=HOSTILE)
    await chat(BOB).click(choice.buttons[0].action_id, choice.buttons[0].value)

    report = await ok(chat(ANA), "campaign report 1")
    assert shown(report, NAME) and f"• {HOSTILE} — {NAME}" in plain(report.text)
    clock.current = at("2026-03-11T08:30")
    await tick(services)
    summary = inbox(messenger, ANA)[-1]
    assert shown(summary, NAME) and f"• {HOSTILE} — {NAME}" in plain(summary.text)
