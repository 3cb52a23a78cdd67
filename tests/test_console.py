"""The console adapter: rendering, numbered choices, forms, messages to others, and the chat loop over a
real router and database."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.console.app import ConsoleChat, attach_messenger, open_chat, stream_reader
from adapters.console.inbound import FormSession, chosen, console_actor
from adapters.console.outbound import SavedFiles, Screen, render
from bots.cli import main
from core.access.table import EVERYONE
from core.commands import Action
from core.commands.context import Context
from core.i18n import Translator
from core.markup import escape
from core.messages import Button, Field, Form, FormInput, Option, Reply, Section
from core.ports import ConversationRef, MemberAddress, Messenger
from core.registry import Registry
from core.schema import Group, Member
from core.services import Services
from tests.hostile_support import ANSI, HOSTILE
from tests.markup_support import PLAN, campaign_prompt

EN = Translator("en")
JOIN = Button("Join", "group.join", "data")
LEAVE = Button("Leave", "group.leave", "data")


def test_buttons_are_numbered_across_sections_then_the_reply() -> None:
    reply = Reply(text="Groups:\n\nData\n\nOps\n\n2 more", title="Groups",
                  sections=(Section("Data", fields=(Field("Members", "3"),), buttons=(JOIN,)),
                            Section("Ops", buttons=(JOIN, LEAVE))),
                  buttons=(Button("More", "group.more"),), context="Page 1")
    rendered = render(reply)
    assert rendered.choices == (JOIN, JOIN, LEAVE, Button("More", "group.more"))
    assert rendered.text == ("Groups\n──────\n\nGroups:\n\nData\nMembers: 3\n[1] Join\n\nOps\n"
                             "[2] Join  [3] Leave\n\n2 more\n\n[4] More\n\nPage 1\n\n"
                             "Type a number from 1 to 4 to choose.")


def test_plain_text_error_and_unclickable_buttons() -> None:
    assert render(Reply(text="Nope", error=True)).text == "⚠ Nope"
    seen = render(Reply(text="A question for you", buttons=(JOIN, LEAVE)), numbered=False)
    assert (seen.text, seen.choices) == ("A question for you\n\n[Join]  [Leave]", ())


def test_a_campaign_prompt_with_bold_text_and_a_link_is_plain_text() -> None:
    """A terminal shows no markers: bold is just text, a link is its label and its address."""
    assert render(campaign_prompt()).text == (
        "Office <survey>\n───────────────\n\nTime for “Office <survey>”! Your answers help the whole "
        f"community.\n\n1. What do you think of the new office? See the plan ({PLAN}) first.\n[1] Answer\n\n"
        "Type a number from 1 to 1 to choose.")


def test_the_console_s_words_follow_the_language_of_the_reply() -> None:
    """No member is looked up: a French reply brings French console words, and the screen keeps
    speaking French to its reader (form prompts, banners) until a reply in another language."""
    french = render(Reply(text="x", buttons=(JOIN,), locale="fr"))
    assert french.text.endswith("Tapez un nombre de 1 à 1 pour choisir.")
    screen = Screen(io.StringIO())
    screen.show(Reply(text="Formulaire", form=FORM, locale="fr"))
    assert screen.t("console.optional") == "(facultatif, Entrée pour passer)"
    screen.show(Reply(text="sent to someone else", locale="en"), "to Bob", for_reader=False)
    assert screen.t.locale == "fr"


def test_a_number_picks_a_choice_only_when_one_is_offered() -> None:
    assert chosen(" 2 ", (JOIN, LEAVE)) is LEAVE
    assert chosen("3", (JOIN, LEAVE)) is None
    assert chosen("0", (JOIN,)) is None
    assert chosen("1", ()) is None
    assert chosen("group list", (JOIN,)) is None


FORM = Form("New thing", "thing.create", "Create", (
    FormInput("title", "Title", max_length=10),
    FormInput("kind", "Kind", "choice", options=(Option("Public", "public"), Option("Private", "private"))),
    FormInput("mood", "Mood", "scale"),
    FormInput("lines", "Prompts", "multiline", initial="What did you learn?"),
    FormInput("note", "Note", required=False, placeholder="Anything else?"),
), value="ctx-1")


def answer_all(session: FormSession, lines: list[str]) -> list[str]:
    problems = []
    for line in lines:
        problem = session.answer(line)
        if problem:
            problems.append(problem)
    return problems


def test_a_form_is_asked_input_by_input_and_becomes_an_action() -> None:
    session = FormSession(FORM, EN)
    assert session.prompt() == "Title"
    problems = answer_all(session, ["", "much too long a title", "Retro", "3", "private", "7", "4",
                                    "First?", "Second?", "", ""])
    assert problems == ["This answer is required. Type it, or type cancel to stop.",
                        "That answer is too long (at most 10 characters). Try a shorter one.",
                        "Type one of the numbers from 1 to 2.", "Type one of the numbers from 1 to 5."]
    assert session.done and not session.cancelled
    submitted = session.action(console_actor("Ana@Example.com"))
    assert (submitted.action_id, submitted.value, submitted.actor.user_id) == ("thing.create", "ctx-1",
                                                                               "ana@example.com")
    assert submitted.values == {"title": "Retro", "kind": "private", "mood": "4",
                                "lines": "First?\nSecond?", "note": ""}


def test_form_prompts_show_options_defaults_and_cancel() -> None:
    session = FormSession(FORM, Translator("fr"))
    session.answer("Retro")
    assert session.prompt() == "Kind\n  1) Public\n  2) Private"
    session.answer("public")
    session.answer("5")
    assert session.prompt() == ("Prompts\nEntrée pour garder : What did you learn?\n"
                                "(une ou plusieurs lignes ; une ligne vide termine la réponse)")
    session.answer("")  # keeps the prefilled value
    assert session.values["lines"] == "What did you learn?"
    assert session.prompt() == "Note (facultatif, Entrée pour passer)\n(Anything else?)"
    session.answer("annuler")
    assert session.done and session.cancelled


def chat_over(services: Services, registry: Registry, email: str, text: str, out: io.StringIO) -> ConsoleChat:
    screen = Screen(out)
    attach_messenger(services, screen, email)
    return open_chat(services, registry, email, screen, stream_reader(io.StringIO(text)), echo=True)


async def add_member(services: Services, email: str, name: str) -> None:
    async with services.db.uow() as uow:
        uow.session.add(Member(email=email, display_name=name))
        await uow.commit()


async def test_the_chat_runs_commands_and_a_number_clicks_a_button(services: Services,
                                                                   registry: Registry) -> None:
    await chat_over(services, registry, "ben@example.com", "group create Data Science -- All about data\n",
                    io.StringIO()).run()
    out = io.StringIO()
    await chat_over(services, registry, "ana@example.com",
                    "group list\n1\n\n   \ngroup members data science\n9\n\x00\x07\nquit\nhelp\n", out).run()
    text = out.getvalue()
    assert "› group list\nGroups\n──────\n\nData Science (data-science) — 1 member\nAll about data\n" \
           "[1] Join\n\nType a number from 1 to 1 to choose." in text
    assert "› 1\nWelcome to Data Science!" in text
    assert "Members of Data Science (2)" in text and "• ana@example.com\n" in text
    assert "I don't know the command “9”" in text  # no choice offered any more: a number is a command
    assert "› help" not in text  # nothing after quit


async def test_messages_to_others_and_channel_posts_are_printed_under_a_banner(services: Services,
                                                                               registry: Registry) -> None:
    await add_member(services, "cy@example.com", "Cy Rano")
    out = io.StringIO()
    chat = chat_over(services, registry, "ana@example.com", "", out)
    messenger = services.messengers["console"]
    sent = await messenger.send_direct(MemberAddress("console", "local", "cy@example.com"),
                                       Reply(text="Can you help?", buttons=(JOIN,)))
    await messenger.post(ConversationRef("console", "local", "data-science"), Reply(text="Hello all"))
    await messenger.update(sent, Reply(text="Answered by Ana"))
    await messenger.send_direct(MemberAddress("console", "local", "ana@example.com"),
                                Reply(text="Your turn", buttons=(LEAVE,)))
    assert out.getvalue() == (
        "── message to Cy Rano (cy@example.com) ──\nCan you help?\n\n[Join]\n\n"
        "── post in #data-science ──\nHello all\n\n"
        "── message updated — message to Cy Rano (cy@example.com) ──\nAnswered by Ana\n\n"
        "── message to you ──\nYour turn\n\n[1] Leave\n\nType a number from 1 to 1 to choose.\n\n")
    assert chat.screen.choices == (LEAVE,)
    assert (sent.platform, sent.conversation) == ("console", "cy@example.com")


@pytest.fixture
def form_actions(registry: Registry) -> None:
    """Two throw-away actions in this test's registry: a button that opens ``FORM`` and its submission,
    which echoes."""

    async def opened(ctx: Context, act: Action) -> Reply:
        return Reply(text="Fill this in", form=FORM)

    async def submitted(ctx: Context, act: Action) -> Reply:
        return Reply(text=f"Got {sorted(act.values.items())} for {act.value}")

    registry.add_action("testform", opened)
    registry.add_action("thing.create", submitted)
    for name in ("testform", "thing.create"):
        registry.add_rule(name, EVERYONE)


async def test_a_button_opening_a_form_asks_it_then_submits(services: Services, form_actions: None,
                                                            registry: Registry) -> None:
    out = io.StringIO()
    chat = chat_over(services, registry, "ana@example.com", "Retro\n2\n5\n\nskip it\n", out)
    chat.screen.choices = (Button("Open", "testform:go"),)
    await chat.turn("1")
    await chat.run()
    text = out.getvalue()
    assert "Fill this in\n\nNew thing: answer each question below (type cancel to stop)." in text
    assert ("Got [('kind', 'private'), ('lines', 'What did you learn?'), ('mood', '5'), "
            "('note', 'skip it'), ('title', 'Retro')] for ctx-1") in text


async def test_a_form_cut_short_by_the_end_of_input_sends_nothing(services: Services, form_actions: None,
                                                                  registry: Registry) -> None:
    out = io.StringIO()
    chat = chat_over(services, registry, "ana@example.com", "Retro\n", out)
    chat.screen.choices = (Button("Open", "testform:go"),)
    await chat.turn("1")
    assert out.getvalue().endswith("Cancelled; nothing was sent.\n\n")
    assert "Got" not in out.getvalue()


PARVIS = str(Path(sys.executable).parent / "parvis")
SCENARIO = ("group create Data Viz -- All about charts\ngroup join data-viz\n"
            "group members data viz\n")


def parvis(*args: str, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed ``parvis`` script as a user would, input piped."""
    return subprocess.run([PARVIS, *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          timeout=60, env={**os.environ, "PARVIS_DATABASE_URL": ""})


def test_parvis_demo_creates_joins_and_lists_a_group(tmp_path: Path) -> None:
    done = parvis("demo", stdin=SCENARIO, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Welcome to the Parvis demo, Ana Martin!" in out
    assert "› group create Data Viz -- All about charts\n" in out
    assert "Group Data Viz created (data-viz)" in out
    assert "── message to you ──\nWeekly learning share" in out, "the demo's running campaign asks Ana too"
    assert "› group join data-viz\n" in out
    assert "Members of Data Viz (1)" in out and "• Ana Martin — Data Science Lead (owner)" in out
    assert list(tmp_path.iterdir()) == []  # the throw-away database went with its temporary directory


def chat_in_process(args: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The same command line, run in this process (no start-up cost) with ``stdin`` piped."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_parvis_demo_keeps_its_database_and_speaks_french_to_french_people(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    done = parvis("demo", "--as", "chloe.petit@aurora.example", "--keep", "demo.db",
                  stdin="group create Veille IA\nlang en\n", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Bienvenue dans la démo de Parvis, Chloé Petit !" in done.stdout
    assert "parvis demo --keep demo.db" in done.stdout and (tmp_path / "demo.db").is_file()
    monkeypatch.chdir(tmp_path)
    status, out, err = chat_in_process(["demo", "--as", "CHLOE.PETIT@aurora.example", "--keep", "demo.db"],
                                       "group list\n1\n", monkeypatch, capsys)
    assert status == 0, err
    assert "Welcome to the Parvis demo" in out  # she chose English last time
    assert "Veille IA (veille-ia) — 1 member · you own it" in out
    assert "› 1\nWelcome to " in out  # the first Join button of the demo's groups
    status, out, err = chat_in_process(["demo", "--as", "nobody@aurora.example", "--keep", "demo.db"], "",
                                       monkeypatch, capsys)
    assert status != 0 and out == "" and "nobody@aurora.example is not one of the demo people" in err


def test_parvis_chat_needs_an_imported_member(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "parvis.toml").write_text('[database]\nurl = "sqlite+aiosqlite:///parvis.db"\n')
    (tmp_path / "people.csv").write_text(
        "email,name,title,department,location,timezone,locale,skills,roles\n"
        "ada@example.com,Ada Lovelace,Analyst,Research,London,Europe/London,en,mathematics,animator\n",
        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    status, out, err = chat_in_process(["chat", "--as", "ada@example.com"], SCENARIO, monkeypatch, capsys)
    assert status != 0 and out == ""
    assert "No one with the e-mail ada@example.com is in the directory" in err
    assert "with parvis directory import people.csv," in err and "parvis demo." in err
    assert main(["directory", "import", "people.csv"]) == 0
    chat = parvis("chat", "--as", "Ada@Example.com", stdin="group list\n1\n" + SCENARIO, cwd=tmp_path)
    assert chat.returncode == 0, chat.stderr
    assert "Parvis usage charter — version" in chat.stdout and "[1] Accept" in chat.stdout
    assert "Thank you: you accepted the usage charter" in chat.stdout, "a real directory's member accepts it"
    assert "Group Data Viz created" in chat.stdout
    assert "Members of Data Viz (1)" in chat.stdout and "• Ada Lovelace — Analyst (owner)" in chat.stdout


async def test_in_a_channel_links_and_announcements_reach_the_console(services: Services,
                                                                      registry: Registry) -> None:
    out = io.StringIO()
    screen = Screen(out)
    messenger = attach_messenger(services, screen, "ana@example.com")
    assert isinstance(messenger, Messenger)
    chat = open_chat(services, registry, "ana@example.com", screen,
                     stream_reader(io.StringIO("group create Guild\ngroup link guild\n"
                                               "group announce guild Meetup on Friday!\n")),
                     channel="#guild-talk")
    await chat.run()
    assert ("── post in #guild-talk ──\nAnnouncement — Guild\n────────────────────\n\nMeetup on Friday!\n\n"
            "Posted by ana@example.com\n\nAnnouncement for Guild on its way to the linked channels: 1.\n"
            ) in out.getvalue()


async def test_member_text_reaches_the_terminal_as_typed_its_control_characters_as_symbols(
        services: Services, registry: Registry) -> None:
    """Issue 12, finding 5: a terminal reads escape sequences (colours, cursor moves, a title), a
    carriage return overwrites the line, a bidirectional override reorders it. Commands drop control
    characters, but names and texts also come from directory imports and platform profiles: whatever
    reaches the screen shows them as visible symbols, and markup characters as typed."""
    await add_member(services, "cy@example.com", "Cy \x1b[31mRano\x07")
    await chat_over(services, registry, "ben@example.com", f"group create Evil -- {HOSTILE}\n",
                    io.StringIO()).run()
    hidden = f"{HOSTILE}{ANSI}red\rover\x9b2J\u202eevil"
    async with services.db.uow() as uow:
        group = (await uow.session.exec(select(Group))).one()
        group.description = hidden
        uow.session.add(group)
        await uow.commit()
    out = io.StringIO()
    await chat_over(services, registry, "ana@example.com", "group info evil\n", out).run()
    await services.messengers["console"].send_direct(MemberAddress("console", "local", "cy@example.com"),
                                                     Reply(text=escape(hidden)))
    text = out.getvalue()
    assert not any(char in text for char in "\x1b\x07\x9b\r\u202e"), repr(text)
    assert text.count(f"{HOSTILE}\u241b[31mred\u240dover\ufffd2J\ufffdevil") == 2
    assert "── message to Cy \u241b[31mRano\u2407 (cy@example.com) ──" in text


async def test_stats_writes_its_chart_to_a_private_file_and_prints_the_path(  # type: ignore[no-untyped-def]
        services: Services, tmp_path, registry: Registry) -> None:
    """The console cannot show a picture: it writes the PNG (mode 0600) and prints where."""
    out = io.StringIO()
    screen = Screen(out, files=SavedFiles(tmp_path / "charts"))
    attach_messenger(services, screen, "ana@example.com")
    chat = open_chat(services, registry, "ana@example.com", screen,
                     stream_reader(io.StringIO("group create Data Science\nstats 4\nstats 4\n")))
    await chat.run()
    paths = [line.removeprefix("Chart: ") for line in out.getvalue().splitlines()
             if line.startswith("Chart: ")]
    assert len(paths) == 2 and len(set(paths)) == 2, "a second chart does not overwrite the first"
    for path in map(Path, paths):
        assert path.parent == tmp_path / "charts" and path.read_bytes().startswith(b"\x89PNG")
        assert path.stat().st_mode & 0o777 == 0o600
