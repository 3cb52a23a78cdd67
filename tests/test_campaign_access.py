"""Who may run, see and answer a campaign (issue 12, finding 9), played by the people who should not:
another animator running someone else's campaign, anyone probing a campaign aimed at a private group,
a member outside the audience opening the answer form.

Ana (animator) owns Data Science (Bob and Carl joined); Oliver is another animator, Dee a member of
no group, Zoé an admin. A refusal that must not reveal a campaign is compared, word for word, with
the answer about a campaign that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import select

from core.messages import Reply
from core.schema import AuditEntry, Member, Response
from tests.campaign_support import ANA, BOB, CARL, DEE, create, demo_group, inbox, ok, tick
from tests.conftest import give_role

OLIVER, ZOE = "oliver@example.com", "zoe@example.com"
MANAGING = ("show", "start", "pause", "resume", "close", "report", "edit", "copy", "delete")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def people(chat: Any, db: Any) -> None:
    await demo_group(chat, db)
    for email, role in ((OLIVER, "animator"), (ZOE, "admin"), (DEE, None)):
        await ok(chat(email), "help")
        if role:
            await give_role(db, email, role)


def as_missing(reply: Reply, number: int) -> str:
    """A refusal about campaign ``number`` written as if about campaign #999."""
    return reply.text.replace(f"#{number}", "#999").replace(f"{number}", "999")


async def is_unknown(who: Any, text: str, number: int) -> None:
    """``text`` about campaign ``number`` is answered exactly as about a campaign that does not exist."""
    probe = await who.say(text)
    control = await who.say(text.replace(str(number), "999"))
    assert probe.error and control.error
    assert as_missing(probe, number) == control.text, probe.text


async def test_another_animator_cannot_see_or_run_someone_elses_campaign(chat, db) -> None:  # type: ignore[no-untyped-def]
    await people(chat, db)
    assert not (await create(chat, start="2026-03-10", recurrence="once")).error
    oliver = chat(OLIVER)
    for verb in MANAGING:
        await is_unknown(oliver, f"campaign {verb} 1", 1)
    assert "Weekly learning" not in (await oliver.say("campaign list")).text
    clicked = await oliver.click("campaign.start", "1")
    assert clicked.error and "Weekly learning" not in clicked.text
    assert "draft" in (await ok(chat(ANA), "campaign show 1")).text, "its creator still runs it"
    assert "started" in (await ok(chat(ZOE), "campaign start 1")).text, "an admin runs every campaign"


async def test_sharing_lets_one_animator_run_the_campaign_and_is_audited(chat, db) -> None:  # type: ignore[no-untyped-def]
    await people(chat, db)
    await create(chat, start="2026-03-10", recurrence="once")
    ana, oliver = chat(ANA), chat(OLIVER)
    shared = await ok(ana, f"campaign share 1 {OLIVER}")
    assert "Oliver" in shared.text and "#1" in shared.text
    assert "#1" in (await ok(oliver, "campaign list")).text
    assert "started" in (await ok(oliver, "campaign start 1")).text
    assert "paused" in (await ok(oliver, "campaign pause 1")).text
    async with db.uow() as uow:
        shares = select(AuditEntry).where(AuditEntry.action == "campaign.share")
        audit = (await uow.session.exec(shares)).one()
        oliver_id = (await uow.session.exec(select(Member.id).where(Member.email == OLIVER))).one()
    assert (audit.target, audit.detail) == ("campaign:1", {"member": oliver_id})
    assert "already" in (await ana.say(f"campaign share 1 {OLIVER}")).text
    assert "created" in (await ana.say(f"campaign share 1 {ANA}")).text
    not_animator = await ana.say(f"campaign share 1 {BOB}")
    assert not_animator.error and "not an animator" in not_animator.text
    assert "nobody@example.com" in (await ana.say("campaign share 1 nobody@example.com")).text
    refused = await chat(BOB).say(f"campaign share 1 {BOB}")
    assert refused.error and "Only the animators who run a campaign" in refused.text


async def test_the_audience_sees_the_prompts_not_how_it_is_run(chat, db) -> None:  # type: ignore[no-untyped-def]
    await people(chat, db)
    await create(chat, start="2026-03-10", recurrence="once")
    bob = chat(BOB)
    await is_unknown(bob, "campaign show 1", 1)        # a draft is its managers' alone
    assert "#1" not in (await ok(bob, "campaign list")).text
    await ok(chat(ANA), "campaign start 1")
    shown = await ok(bob, "campaign show 1")
    assert "What did you learn this week?" in shown.text and "Status" in shown.text
    assert "Audience" not in shown.text and "Reminders" not in shown.text
    assert "Audience" in (await ok(chat(ANA), "campaign show 1")).text
    report = await bob.say("campaign report 1")
    assert report.error and "Only the animators who run a campaign" in report.text
    assert "create or run" not in report.text
    await is_unknown(chat(DEE), "campaign show 1", 1)
    assert "#1" in (await ok(bob, "campaign list")).text
    assert "#1" not in (await chat(DEE).say("campaign list")).text


async def test_a_campaign_aimed_at_a_private_group_is_invisible_to_outsiders(chat, db) -> None:  # type: ignore[no-untyped-def]
    await people(chat, db)
    ana = chat(ANA)
    await ok(ana, "group create Board --private")
    await ok(ana, f"group add board {BOB}")
    created = await create(chat, start="2026-03-10", recurrence="once", groups="board", title="Reorg pulse")
    assert not created.error, created.text
    await ok(ana, "campaign start 1")
    for who in (chat(OLIVER), chat(CARL), chat(DEE)):
        for verb in MANAGING:
            await is_unknown(who, f"campaign {verb} 1", 1)
        assert "Reorg" not in (await who.say("campaign list")).text
    assert "Reorg pulse" in str((await ok(chat(BOB), "campaign show 1")).title)
    assert "Reorg pulse" in (await ok(chat(ZOE), "campaign list")).text
    refused = await ana.say(f"campaign share 1 {OLIVER}")
    assert refused.error and "not in every group" in refused.text


async def test_a_member_outside_the_audience_cannot_open_the_answer_form(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await people(chat, db)
    await create(chat, start="2026-03-10", recurrence="once", timezone="Europe/Paris")
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T09:00")
    await tick(services)
    (prompt,) = inbox(messenger, BOB)
    write = prompt.sections[1].buttons[0]
    choice = prompt.sections[2].buttons[0]
    assert write.action_id == "campaign.write"
    assert (await chat(BOB).click(write.action_id, write.value)).form is not None
    for stranger in (DEE, OLIVER):
        opened = await chat(stranger).click(write.action_id, write.value)
        assert opened.error and opened.form is None, opened.text
        assert "not sent to you" in opened.text
        assert "What did you learn" not in opened.text and "Weekly learning" not in opened.text
        typed = await chat(stranger).click("campaign.text", write.value, answer="I read it anyway")
        assert typed.error and "not sent to you" in typed.text
        clicked = await chat(stranger).click(choice.action_id, choice.value)
        assert clicked.error and "not sent to you" in clicked.text
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Response))).all() == []
