"""``parvis report``: the CLI over a real, migrated SQLite database seeded through the real commands."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from bots.cli import main
from core.campaigns.reports import week_start
from core.runtime.activity_log import activity_log
from tests import cli_support
from tests.campaign_support import ANA, BOB, CARL
from tests.cli_support import parvis
from tests.report_support import TITLE, answer, sent_campaign

#: a real, migrated SQLite database and a configuration file naming it
database_url, db, config_file = cli_support.database_url, cli_support.db, cli_support.config_file

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_campaign_report_as_csv_html_and_png(chat, db, clock, messenger, services, config_file,  # type: ignore[no-untyped-def]
                                                   tmp_path, capsys) -> None:
    await sent_campaign(chat, db, clock, services)
    await answer(chat, messenger, BOB, text="use <b>fixtures</b> & marks", choice="Colleague", scale=4)
    await answer(chat, messenger, CARL, text="pair programming", choice="Project", scale=2)

    status, out, err = await parvis(capsys, "report", "campaign", "1", "--config", config_file)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["participation_pct"] for row in rows} == {"67"}
    assert {(row["recipients"], row["respondents"]) for row in rows} == {("3", "2")}
    figures = {(row["position"], row["measure"], row["label"]): row["value"] for row in rows}
    assert figures[("2", "choice", "Colleague")] == "1" and figures[("2", "choice", "Course")] == "0"
    assert figures[("3", "average", "")] == "3.00" and figures[("3", "scale", "4")] == "1"
    texts = {(row["value"], row["respondent"]) for row in rows if row["measure"] == "text"}
    assert texts == {("use <b>fixtures</b> & marks", "Bob"), ("pair programming", "Carl")}

    page = tmp_path / "report.html"
    status, out, err = await parvis(capsys, "report", "campaign", "#1", "--format", "html",
                                    "--output", str(page), "--config", config_file)
    assert status == 0 and out == "", err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in html
    assert escape(TITLE) in html and TITLE not in html
    assert "Participation: 2 of 3 (67 %)" in html and "Average: 3.0 / 5" in html
    assert escape("use <b>fixtures</b> & marks") in html and "<b>fixtures" not in html

    chart = tmp_path / "report.png"
    status, out, err = await parvis(capsys, "report", "campaign", "1", "--format", "png",
                                    "--output", str(chart), "--config", config_file)
    assert status == 0, err
    data = chart.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


async def test_anonymous_campaign_with_two_answers_shows_no_figure_and_no_name(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services, config_file, capsys) -> None:
    await sent_campaign(chat, db, clock, services, anonymous=True)
    await answer(chat, messenger, BOB, text="my manager never listens", choice="Course")
    await answer(chat, messenger, CARL, text="too many meetings", choice="Course")
    status, out, err = await parvis(capsys, "report", "campaign", "1", "--config", config_file)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert "never listens" not in out and "meetings" not in out
    assert not any(row["respondent"] for row in rows)
    for position in ("1", "2", "3"):
        assert [row["measure"] for row in rows if row["position"] == position] == ["answers", "hidden"]
    assert {row["label"] for row in rows if row["measure"] == "hidden"} == {"fewer than 3 answers"}
    status, out, err = await parvis(capsys, "report", "campaign", "1", "--format", "html",
                                    "--config", config_file)
    assert status == 0, err
    assert "never listens" not in out and "Bob" not in out and "Carl" not in out
    assert "fewer than 3 answers" in out and "Anonymous campaign" in out and "Course" not in out


async def test_adoption_report(chat, db, clock, messenger, services, config_file, tmp_path,  # type: ignore[no-untyped-def]
                               capsys) -> None:
    clock.current = datetime.now(UTC)  # the command reports on the weeks up to today
    await chat(ANA).say("group create Guild")
    await chat(BOB).say("group join guild")
    await chat(BOB).say("help")
    await activity_log(db).flush()  # read-only commands' events are written in batches
    status, out, err = await parvis(capsys, "report", "adoption", "--weeks", "2", "--config", config_file)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    monday = week_start(clock.current).date().isoformat()
    this_week = {(r["metric"], r["platform"], r["value"]) for r in rows if r["week"] == monday}
    assert this_week == {("active_members", "", "2"), ("active_members", "console", "2"),
                         ("commands", "", "3"), ("clicks", "", "0"), ("new_members", "", "2")}
    status, out, err = await parvis(capsys, "report", "adoption", "--format", "html", "--config", config_file)
    assert status == 0 and "Active members" in out and "No campaign round" in out, err
    chart = tmp_path / "adoption.png"
    status, out, err = await parvis(capsys, "report", "adoption", "--format", "png", "--output", str(chart),
                                    "--config", config_file)
    assert status == 0 and chart.read_bytes().startswith(PNG_SIGNATURE), err


@pytest.mark.parametrize(("args", "expected"), [
    (["campaign", "42"], "There is no campaign #42."),
    (["campaign", "abc"], "A campaign id is a number, like 12 (not “abc”)."),
    (["adoption", "--weeks", "0"], "--weeks takes a whole number from 1 to 104."),
    (["adoption", "--weeks", "many"], "--weeks takes a whole number from 1 to 104."),
])
async def test_bad_arguments_are_named_on_stderr_with_status_2(db, config_file, capsys, args,  # type: ignore[no-untyped-def]
                                                               expected) -> None:
    status, out, err = await parvis(capsys, "report", *args, "--config", config_file)
    assert (status, out) == (2, "") and err == f"parvis report: {expected}\n"


PARVIS = str(Path(sys.executable).parent / "parvis")


def test_the_installed_script_refuses_an_unknown_format_and_writes_png_to_a_pipe(tmp_path: Path) -> None:
    (tmp_path / "parvis.toml").write_text('[database]\nurl = "sqlite+aiosqlite:///parvis.db"\n')
    env = {**os.environ, "PARVIS_DATABASE_URL": ""}
    bad = subprocess.run([PARVIS, "report", "campaign", "1", "--format", "pdf"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=60, env=env)
    assert bad.returncode == 2 and bad.stdout == "" and "invalid choice: 'pdf'" in bad.stderr
    png = subprocess.run([PARVIS, "report", "adoption", "--format", "png"], capture_output=True,
                         cwd=tmp_path, timeout=60, env=env)
    assert png.returncode == 0, png.stderr
    assert png.stdout.startswith(PNG_SIGNATURE)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_a_report_printed_on_a_terminal_shows_control_characters_as_symbols(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services, config_file, monkeypatch) -> None:
    """Issue 12, finding 5: answers come from forms, where nothing drops an escape sequence; printed
    on a terminal, a report shows it inert. Redirected to a file or a pipe, the data is kept as it is."""
    await sent_campaign(chat, db, clock, services)
    await answer(chat, messenger, BOB, text="\x1b]0;pwned\x07\x1b[31mred", choice="Colleague", scale=4)
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    assert await asyncio.to_thread(main, ["report", "campaign", "1", "--config", config_file]) == 0
    assert "\x1b" not in screen.getvalue() and "\u241b]0;pwned\u2407\u241b[31mred" in screen.getvalue()
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    assert await asyncio.to_thread(main, ["report", "campaign", "1", "--config", config_file]) == 0
    assert "\x1b[31mred" in piped.getvalue()
