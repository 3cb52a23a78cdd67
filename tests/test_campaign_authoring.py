"""Writing campaigns without losing work (issue 19 part 3) and in both languages (part 4): the console
checks each answer as it is typed and asks again only what is wrong; a form submitted with mistakes
comes back with every value kept; drafts can be edited, copied and deleted, and stay their managers'
own; a French member of a campaign made from an English template gets the French prompt."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlmodel import select

from adapters.console.app import attach_messenger, open_chat, stream_reader
from adapters.console.outbound import Screen
from core.registry import Registry
from core.schema import Campaign, CampaignPrompt
from core.services import Services
from tests.campaign_support import (
    ANA,
    BOB,
    CARL,
    create,
    demo_group,
    form_values,
    give_role,
    inbox,
    ok,
    set_member,
    tick,
)

#: the creation form's inputs, in the order the console asks them
ORDER = ("title", "description", "groups", "mode", "channel", "start", "time", "recurrence", "timezone",
         "count", "until", "skip_weekends", "skip_holidays", "reminders", "reminder_after", "close_after",
         "anonymous", "summary_channels", "prompts", "title_fr", "prompts_fr")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def campaigns(services: Services) -> list[Campaign]:
    async with services.db.uow() as uow:
        return list((await uow.session.exec(select(Campaign).order_by(Campaign.id))).all())  # type: ignore[arg-type]


async def console(services: Services, registry: Registry, lines: list[str]) -> str:
    """Ana types ``lines`` in a real console chat; what the terminal showed."""
    out = io.StringIO()
    screen = Screen(out)
    attach_messenger(services, screen, ANA)
    chat = open_chat(services, registry, ANA, screen, stream_reader(io.StringIO("\n".join(lines) + "\n")),
                     echo=True)
    await chat.run()
    return out.getvalue()


async def test_the_console_asks_again_only_the_wrong_answer_as_it_is_typed(chat, db, services,  # type: ignore[no-untyped-def]
                                                                           registry) -> None:
    await demo_group(chat, db)
    answers = {"title": "My learning", "groups": "nowhere\ndata science", "start": "2026-03-01\n2026-03-13",
               "count": "3", "reminder_after": "72\n0.02\n24"}
    lines = ["campaign new weekly-learning", *(answers.get(name, "") for name in ORDER)]
    text = await console(services, registry, lines)
    assert "I can't find a group called “nowhere”" in text
    assert "The start (March 1, 2026, 9:30\u202fAM) is in the past" in text
    assert "never be sent" in text                          # one reminder at 72 h, answers closing at 72 h
    assert "“Remind after (hours)” must be a whole number" in text  # its label, not reminder_after
    assert "reminder_after" not in text
    assert text.count("Title\n") == 1                       # nothing asked twice but the wrong answers
    (campaign,) = await campaigns(services)
    assert (campaign.title, campaign.count, campaign.reminder_after_minutes) == ("My learning", 3, 1440)


async def test_a_submitted_form_comes_back_with_only_the_wrong_input_asked_again(  # type: ignore[no-untyped-def]
        chat, db, services, registry) -> None:
    """Reminders after 48 h is fine while answers close after 72 h; closing after 24 h then makes
    the reminder come too late, which only the whole form tells: on submit, only it is asked again."""
    await demo_group(chat, db)
    answers = {"title": "Kept title", "groups": "data science", "start": "2026-03-13", "reminder_after": "48",
               "close_after": "24"}
    lines = ["campaign new weekly-learning", *(answers.get(name, "") for name in ORDER), "12"]
    text = await console(services, registry, lines)
    assert "Some answers need fixing; everything else you typed is kept" in text
    assert "answer again only the questions below" in text
    assert text.count("Title\n") == 1 and text.count("Remind after (hours)\n") == 2
    (campaign,) = await campaigns(services)
    assert (campaign.title, campaign.reminder_after_minutes, campaign.close_after_minutes) == (
        "Kept title", 720, 1440)


async def test_a_wrong_submission_returns_the_form_with_every_value_and_each_problem(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    reply = await create(chat, title="Typed with care", groups="nowhere", reminder_after="80",
                         recurrence="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
    assert reply.error and reply.form is not None
    fields = {item.name: item for item in reply.form.inputs}
    assert fields["title"].initial == "Typed with care" and not fields["title"].error
    assert "nowhere" in fields["groups"].error
    assert "at or after the close" in fields["reminder_after"].error
    assert "never produces" in fields["recurrence"].error
    assert "**Groups**" in reply.text and "**Remind after (hours)**" in reply.text


async def test_reminder_at_or_after_the_close_is_refused_in_french(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await set_member(db, ANA, locale="fr")
    reply = await create(chat, reminder_after="72", close_after="72")
    assert reply.error and "ne partirait jamais" in reply.text and "**Relancer après (heures)**" in reply.text


async def test_edit_copy_and_delete(chat, db, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await create(chat, start="2026-03-13", title="First try")
    ana = chat(ANA)
    opened = await ok(ana, "campaign edit 1")
    assert opened.form is not None and opened.form.action_id == "campaign.save"
    values = form_values(opened)
    assert values["title"] == "First try" and values["groups"] == "Data Science"
    assert "What did you learn this week?" in values["prompts"]
    wrong = await ana.click("campaign.save", "1", **{**values, "close_after": "0"})
    assert wrong.error and wrong.form is not None and form_values(wrong)["title"] == "First try"
    saved = await ana.click("campaign.save", "1", **{**values, "title": "Second try"})
    assert not saved.error, saved.text
    copied = await ok(ana, "campaign copy 1")
    assert "#2" in copied.text
    first, second = await campaigns(services)
    assert (first.title, second.title, second.status) == ("Second try", "Second try", "draft")
    async with services.db.uow() as uow:
        copied_prompts = select(CampaignPrompt).where(CampaignPrompt.campaign_id == 2)
        prompts = (await uow.session.exec(copied_prompts)).all()
    assert len(prompts) == 2
    await ok(ana, "campaign start 1")
    refused = await ana.say("campaign delete 1")
    assert refused.error and "only drafts can be deleted" in refused.text
    assert "campaign close 1" in refused.text
    assert "scheduled" in refused.text
    assert (await ok(ana, "campaign edit 1")).form is not None   # scheduled, no round yet: still editable
    deleted = await ok(ana, "campaign delete 2")
    assert "deleted" in deleted.text
    assert [c.id for c in await campaigns(services)] == [1]


async def test_a_running_campaign_can_be_neither_edited_nor_deleted(chat, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await create(chat, start="2026-03-03", recurrence="daily")
    ana = chat(ANA)
    await ok(ana, "campaign start 1")
    clock.current = at("2026-03-03T12:00")
    await tick(services)
    assert (await campaigns(services))[0].status == "running"
    refused = await ana.say("campaign delete 1")
    assert refused.error and "running" in refused.text and "only drafts" in refused.text
    edit = await ana.say("campaign edit 1")
    assert edit.error and "campaign copy 1" in edit.text


async def test_members_never_see_another_animator_s_draft(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await create(chat, start="2026-03-13", title="Secret draft")
    await give_role(db, CARL, "animator")                  # another animator, also in its audience
    for who in (chat(BOB), chat(CARL)):
        assert "Secret draft" not in (await ok(who, "campaign list")).text
        assert "no campaign #1" in (await who.say("campaign show 1")).text
    for verb in ("edit", "copy", "delete"):
        refused = await chat(CARL).say(f"campaign {verb} 1")
        assert refused.error and "no campaign #1" in refused.text
        assert "Only the animators who run a campaign" in (await chat(BOB).say(f"campaign {verb} 1")).text


async def test_each_member_gets_the_prompt_in_their_own_language(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    """Ana writes in English from the template; Bob reads French, Carl English; a prompt Ana wrote
    herself has no French and reaches Bob as she wrote it."""
    await demo_group(chat, db)
    await set_member(db, BOB, locale="fr")
    reply = await ok(chat(ANA), "campaign new weekly-learning")
    values = form_values(reply, groups="data science", start="2026-03-03", recurrence="once",
                         timezone="Europe/Paris", reminders="1", reminder_after="2", close_after="24")
    values["prompts"] += "\nWhat will you try next?"
    assert reply.form is not None
    assert not (await chat(ANA).click(reply.form.action_id, reply.form.value, **values)).error
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-03T08:31")
    await tick(services)
    (french,), (english,) = inbox(messenger, BOB), inbox(messenger, CARL)
    assert "Qu'avez-vous appris cette semaine ?" in french.text and "What did you learn" not in french.text
    assert "Sur un projet" in [b.label for s in french.sections for b in s.buttons]
    assert "What will you try next?" in french.text
    assert french.title == "Partage d'apprentissages de la semaine"
    assert "What did you learn this week?" in english.text and english.title == "Weekly learning share"
    clock.current = at("2026-03-03T10:40")                  # the reminder, in French too
    await tick(services)
    assert "Qu'avez-vous appris" in inbox(messenger, BOB)[-1].text and len(inbox(messenger, BOB)) == 2


async def test_the_french_form_is_fully_french(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await set_member(db, ANA, locale="fr")
    reply = await ok(chat(ANA), "campaign new weekly-learning")
    values = form_values(reply)
    assert values["timezone"] == "locale"
    assert "Qu'avez-vous appris cette semaine ?" in values["prompts"]
    assert reply.form is not None
    hint = next(item for item in reply.form.inputs if item.name == "recurrence").placeholder
    assert "jours ouvrés" in hint


async def test_an_author_writes_both_languages_and_each_member_reads_their_own(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await demo_group(chat, db)
    await set_member(db, BOB, locale="fr")
    ana = chat(ANA)
    reply = await ok(ana, "campaign new")
    mine = {"title": "Team mood", "groups": "data science", "start": "2026-03-03", "recurrence": "once",
            "timezone": "Europe/Paris", "prompts": "How are you? :: Fine | Tired\nAnything else?",
            "title_fr": "Humeur de l'équipe", "prompts_fr": "Comment allez-vous ? :: Bien | Fatigué"}
    assert reply.form is not None
    wrong = await ana.click(reply.form.action_id, "", **form_values(reply, **mine))
    assert wrong.error and wrong.form is not None
    (problem,) = [item for item in wrong.form.inputs if item.error]
    assert problem.name == "prompts_fr" and "line for line" in problem.error
    assert "**Questions in French**" in wrong.text
    fixed = form_values(wrong, prompts_fr="Comment allez-vous ? :: Bien | Fatigué\nAutre chose ?")
    assert not (await ana.click(reply.form.action_id, "", **fixed)).error
    opened = form_values(await ok(ana, "campaign edit 1"))             # edited as it was written
    assert opened["title_fr"] == "Humeur de l'équipe" and opened["prompts_fr"].endswith("Autre chose ?")
    await ok(ana, "campaign start 1")
    clock.current = at("2026-03-03T08:31")
    await tick(services)
    (french,), (english,) = inbox(messenger, BOB), inbox(messenger, CARL)
    assert french.title == "Humeur de l'équipe" and "Comment allez-vous ?" in french.text
    assert [b.label for s in french.sections for b in s.buttons][:2] == ["Bien", "Fatigué"]
    assert english.title == "Team mood" and "How are you?" in english.text
