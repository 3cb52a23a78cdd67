"""Anonymity, attacked: a reader of the whole database, and an animator reading every output.

The database reader gets every row of every table (plain ``SELECT``, as a script would) and tries what
an attacker would: the columns themselves, keyed hashes of every member id under every string found in
the database, timestamps next to each member's own traces, and the order answers arrived in next to who
was reminded or seen acting. No attempt may attribute an anonymous answer to its author.

The animator reads an anonymous campaign with one and two answers in every output — the chat report
(and the same reply as Slack blocks and a Teams card), the round summary the outbox posts, CSV, HTML,
the PNG chart's data and the export rows — and must find no figure: no text, no choice count, no
scale value, distribution or average. From three answers (the default minimum) the figures show.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import SQLModel, select

from core.campaigns.answers import respondent_keys
from core.runtime.activity_log import activity_log
from core.runtime.db import Database
from core.schema import Campaign, Response
from core.settings import CampaignSettings, SecuritySettings
from tests.campaign_support import ANA, BOB, CARL, DEE, create, demo_group, inbox, member, ok, tick
from tests.report_support import answer, sent_campaign

RETRO = "project-retrospective"   # anonymous: a scale, two texts, a choice; 2 reminders after 48 h


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the database reader -----------------------------------------------------------------------------

#: what each author answers: (scale, text of the first text prompt, choice label)
ANSWERS = {BOB: (5, "the release train worked", "Yes"), CARL: (2, "too many meetings", "No"),
           DEE: (3, "better docs please", "With changes")}


async def _click(chat: Any, email: str, prompt: Any, section: int, label: str) -> None:
    for button in prompt.sections[section].buttons:
        if button.label == label:
            assert not (await chat(email).click(button.action_id, button.value)).error
            return
    raise AssertionError(f"no button {label!r}")


async def _answer_retro(chat: Any, email: str, prompt: Any) -> None:
    scale, text, choice = ANSWERS[email]
    await _click(chat, email, prompt, 1, str(scale))
    write = prompt.sections[2].buttons[0]
    form = (await chat(email).click(write.action_id, write.value)).form
    assert form is not None
    assert not (await chat(email).click(form.action_id, form.value, answer=text)).error
    await _click(chat, email, prompt, 4, choice)


async def _retro_answered_and_closed(chat: Any, db: Database, clock: Any, messenger: Any,
                                     services: Any) -> None:
    """Bob answers at once and then does something else; the others are reminded; Carl answers right
    after his reminder, Dee a day later; the round closes and its summary goes to Ana."""
    await demo_group(chat, db, (BOB, CARL, DEE))
    created = await create(chat, RETRO, start="2026-03-10", timezone="Europe/Paris", recurrence="once")
    assert not created.error, created.text
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T09:00")
    await tick(services)
    prompt = inbox(messenger, BOB)[0]
    clock.current = at("2026-03-10T11:17")
    await _answer_retro(chat, BOB, prompt)
    await ok(chat(BOB), "expert me")
    clock.current = at("2026-03-12T09:30")             # the first reminders: Ana, Carl and Dee
    await tick(services)
    assert inbox(messenger, CARL)[-1] is not inbox(messenger, CARL)[0]
    clock.current = at("2026-03-12T09:41")
    await _answer_retro(chat, CARL, prompt)
    await ok(chat(CARL), "group list")
    clock.current = at("2026-03-13T15:02")
    await _answer_retro(chat, DEE, prompt)
    clock.current = at("2026-03-17T10:00")             # a week later: closed, summary sent
    await tick(services)


async def _dump(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, every column, as a script reading the database would get them."""
    found: dict[str, list[dict[str, Any]]] = {}
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await connection.execute(table.select())).mappings().all()
            found[table.name] = [dict(row) for row in rows]
    return found


def _values(row: dict[str, Any]) -> Iterator[Any]:
    for value in row.values():
        if isinstance(value, dict | list):
            yield json.dumps(value, sort_keys=True, default=str)
        else:
            yield value


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Adversary:
    """Attribution attempts on a database dump; each claim is (response row id, member id)."""

    def __init__(self, dump: dict[str, list[dict[str, Any]]]) -> None:
        self.dump = dump
        anonymous = {c["id"] for c in dump["campaign"] if c["anonymous"]}
        rounds = {r["id"]: r for r in dump["round"] if r["campaign_id"] in anonymous}
        self.rounds = rounds
        self.campaigns = {c["id"]: c for c in dump["campaign"]}
        self.responses = [r for r in dump["response"] if r["round_id"] in rounds]
        self.members = {m["id"]: m for m in dump["member"]}

    def claims(self) -> Iterator[tuple[str, int, int]]:
        yield from self.columns()
        yield from self.keyed_hashes()
        yield from self.timestamps()
        yield from self.arrival_order()

    def columns(self) -> Iterator[tuple[str, int, int]]:
        """The response row names its author, or holds an id, e-mail or platform id of theirs."""
        traces: dict[str, int] = {}
        for member_id, row in self.members.items():
            traces[str(member_id)] = member_id
            if row["email"]:
                traces[row["email"]] = member_id
        for identity in self.dump["identity"]:
            traces[str(identity["user_id"])] = identity["member_id"]
        for response in self.responses:
            if response["member_id"] is not None:
                yield "member_id", response["id"], response["member_id"]
            for value in (response["respondent"], response["text"], response["choice"]):
                if value is not None and str(value) in traces:
                    yield "column", response["id"], traces[str(value)]

    def keyed_hashes(self) -> Iterator[tuple[str, int, int]]:
        """The respondent is a hash: try every string in the database as its key, under several
        layouts of what was hashed (the member id alone, with the salt, the round, the campaign)."""
        strings = {""}
        for rows in self.dump.values():
            for row in rows:
                strings.update(str(value) for value in _values(row) if value is not None)
        for response in self.responses:
            digest = response["respondent"].rsplit(":", 1)[-1]
            round_ = self.rounds[response["round_id"]]
            salt = self.campaigns[round_["campaign_id"]]["anonymity_salt"]
            for member_id in self.members:
                messages = {str(member_id), f"{salt}:{round_['id']}:{member_id}", f"{salt}{member_id}",
                            f"{round_['id']}:{member_id}", f"{round_['campaign_id']}:{member_id}",
                            f"{salt}:{member_id}"}
                for key in strings:
                    for message in messages:
                        for candidate in (key, salt + key):
                            mac = hmac.new(candidate.encode(), message.encode(), hashlib.sha256).hexdigest()
                            if mac == digest or hashlib.sha256((candidate + message).encode()).hexdigest() \
                                    == digest:
                                yield "keyed hash", response["id"], member_id

    def _traces(self) -> Iterator[tuple[int, datetime]]:
        """(member, moment) for every timestamp a row tied to one member holds."""
        for table, rows in self.dump.items():
            for row in rows:
                owner = row.get("member_id")
                if table == "delivery" and row["target_kind"] == "member":
                    owner = int(row["target_id"])
                if owner is None or table == "response":
                    continue
                for value in row.values():
                    if isinstance(value, datetime):
                        yield owner, _aware(value)

    def timestamps(self) -> Iterator[tuple[str, int, int]]:
        """An answer's time next to exactly one member's own trace (a command, a delivery…)."""
        traces = list(self._traces())
        for response in self.responses:
            for value in response.values():
                if not isinstance(value, datetime):
                    continue
                near = {owner for owner, moment in traces
                        if abs(moment - _aware(value)) <= timedelta(minutes=5)}
                if len(near) == 1:
                    yield "timestamp", response["id"], near.pop()

    def arrival_order(self) -> Iterator[tuple[str, int, int]]:
        """Who answered first, from the reminders (whoever was not reminded had answered) or from
        activity, matched with the order the answers' rows were written in (their ids)."""
        for round_id in self.rounds:
            rows = sorted((r for r in self.responses if r["round_id"] == round_id), key=lambda r: r["id"])
            groups: list[str] = []
            for row in rows:
                if row["respondent"] not in groups:
                    groups.append(row["respondent"])
            deliveries = [d for d in self.dump["delivery"]
                          if d["round_id"] == round_id and d["target_kind"] == "member"]
            prompted = {int(d["target_id"]) for d in deliveries if d["purpose"] == "prompt"}
            reminded = {int(d["target_id"]) for d in deliveries if d["purpose"].startswith("reminder")}
            first = prompted - reminded
            if reminded and len(first) == 1 and groups:
                (member_id,) = first
                for row in rows:
                    if row["respondent"] == groups[0]:
                        yield "reminders and row order", row["id"], member_id
            acted = sorted((_aware(e["at"]), e["member_id"]) for e in self.dump["activity_event"]
                           if str((e["detail"] or {}).get("name", "")).startswith("campaign."))
            order = list(dict.fromkeys(member_id for _, member_id in acted))
            for respondent, member_id in zip(groups, order, strict=False):
                for row in rows:
                    if row["respondent"] == respondent:
                        yield "activity and row order", row["id"], member_id


def _author(response: dict[str, Any], ids: dict[str, int]) -> int | None:
    """The true author of an anonymous answer, known to the test from what each person answered."""
    for email, (scale, text, choice) in ANSWERS.items():
        if response["scale"] == scale or response["text"] == text or response["choice"] == choice:
            return ids[email]
    return None


async def test_a_database_reader_cannot_link_an_anonymous_answer_to_its_author(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await _retro_answered_and_closed(chat, db, clock, messenger, services)
    await activity_log(db).flush()
    dump = await _dump(db)
    ids = {email: int((await member(db, email)).id or 0) for email in ANSWERS}
    adversary = Adversary(dump)
    assert len(adversary.responses) == 9                      # 3 people × (scale, text, choice)
    truth = {row["id"]: _author(row, ids) for row in adversary.responses}
    assert None not in truth.values()
    linked = sorted({(how, row) for how, row, who in adversary.claims() if truth.get(row) == who})
    assert not linked, f"anonymous answers linked to their authors: {linked}"
    secret = services.settings.security.secret_key
    assert secret and not any(secret in str(value) for rows in dump.values() for row in rows
                              for value in _values(row)), "the server secret is in the database"


async def test_no_activity_or_delivery_row_records_an_anonymous_answer(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    await _retro_answered_and_closed(chat, db, clock, messenger, services)
    await activity_log(db).flush()
    dump = await _dump(db)
    names = {(event["detail"] or {}).get("name") for event in dump["activity_event"]}
    assert {"expert me", "group list"} <= names                # the others' commands are there
    assert not names & {"campaign.answer", "campaign.write", "campaign.text"}
    assert {(d["purpose"], d["target_kind"]) for d in dump["delivery"]} <= {
        ("prompt", "member"), ("summary", "member")}         # reminders of a closed round are gone
    round_ = dump["round"][0]
    assert {_aware(r["answered_at"]) for r in dump["response"]} == {_aware(round_["due_at"])}


# -- the animator reading every output -----------------------------------------------------------------

TEXTS = {BOB: "zebra quartz", CARL: "umber yak", ANA: "ochre lynx"}
OPTIONS = ("Project", "Colleague", "Course")


def _outputs_without_figures(outputs: dict[str, str], n: int) -> list[str]:
    """Where a figure of an anonymous prompt shows (``n`` < 3 answers): a text, an option's count, a
    bar, an average, a scale row."""
    found = []
    for where, content in outputs.items():
        for text in list(TEXTS.values())[:n]:
            if text in content:
                found.append(f"{where}: the text {text!r}")
        for word in (*OPTIONS, "Average", "Moyenne", "█", "░", 'class="bar"'):
            if word in content:
                found.append(f"{where}: {word!r}")
    return found


async def _every_output(chat: Any, db: Database, messenger: Any, services: Any, *,
                        closed: bool = True) -> dict[str, str]:
    """Campaign #1 as every output shows it to the animator."""
    from adapters.slack.outbound import render_pages
    from adapters.teams.outbound import activities
    from bots import report_formats
    from core.campaigns.reports import campaign_report
    from core.campaigns.summaries import export_rows
    from core.i18n import Translator

    outputs: dict[str, str] = {}
    for locale in ("en", "fr"):
        reply = await ok(chat(ANA, locale), "campaign report 1")
        outputs[f"chat {locale}"] = "\n".join([reply.text, *(s.text for s in reply.sections)])
        outputs[f"slack {locale}"] = json.dumps(render_pages(reply), ensure_ascii=False)
        cards = [activity.serialize() for activity in activities(reply)]
        outputs[f"teams {locale}"] = json.dumps(cards, ensure_ascii=False)
    if closed:
        summary = inbox(messenger, ANA)[-1]
        outputs["round summary"] = "\n".join([summary.text, *(s.text for s in summary.sections)])
    minimum = services.settings.campaigns.anonymity_min
    report = await campaign_report(db, "1", minimum)
    outputs["csv"] = _figure_rows(report_formats.campaign_csv(report))
    for locale in ("en", "fr"):
        outputs[f"html {locale}"] = report_formats.campaign_html(report, Translator(locale))
    outputs["png data"] = _chart_data(report)
    async with db.uow() as uow:
        campaign = await uow.session.get(Campaign, 1)
        assert campaign is not None
        outputs["export rows"] = json.dumps(await export_rows(uow, campaign, minimum), ensure_ascii=False)
    return outputs


def _figure_rows(content: str) -> str:
    """The CSV without its header and the question texts (which name no answer)."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(content)))
    return json.dumps([{k: v for k, v in row.items() if k != "question"} for row in rows], ensure_ascii=False)


def _chart_data(report: Any) -> str:
    """What the PNG chart would draw: every bar's labels and heights, every text written on it."""
    from matplotlib.axes import Axes

    from bots import report_charts
    from core.i18n import Translator

    drawn: list[Any] = []
    originals = {name: getattr(Axes, name) for name in ("bar", "barh", "text", "bar_label")}

    def recorder(name: str) -> Any:
        def record(self: Axes, *args: Any, **kwargs: Any) -> Any:
            drawn.append((name, [list(a) if isinstance(a, list | tuple) else a for a in args]))
            return originals[name](self, *args, **kwargs)
        return record

    with pytest.MonkeyPatch.context() as patch:
        for name in originals:
            patch.setattr(Axes, name, recorder(name))
        png = report_charts.campaign_png(report, Translator("en"))
    assert png.startswith(b"\x89PNG")
    return json.dumps([item for item in drawn if item[0] != "bar" and item[0] != "bar_label"],
                      default=str, ensure_ascii=False)


@pytest.mark.parametrize("n", [1, 2])
async def test_no_figure_of_an_anonymous_prompt_under_three_answers_in_any_output(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services, n) -> None:
    await sent_campaign(chat, db, clock, services, anonymous=True)
    for email in (BOB, CARL)[:n]:
        await answer(chat, messenger, email, text=TEXTS[email], choice="Colleague", scale=4)
    open_outputs = await _every_output(chat, db, messenger, services, closed=False)
    await ok(chat(ANA), "campaign close 1")
    await tick(services)
    outputs = await _every_output(chat, db, messenger, services)
    shown = _outputs_without_figures(open_outputs, n) + _outputs_without_figures(outputs, n)
    assert not shown, f"figures shown in {sorted({line.split(':')[0] for line in shown})}: {shown}"
    for where, content in outputs.items():                      # each says why, in its language
        notes = ["moins de 3 réponses"] + ([] if where.endswith("fr") else ["fewer than 3 answers"])
        assert any(note in content for note in notes), where


async def _three_answers_every_output(chat, db, clock, messenger, services):  # type: ignore[no-untyped-def]
    """Every output of an anonymous campaign closed after three members answered alike."""
    await sent_campaign(chat, db, clock, services, anonymous=True)
    for email in (BOB, CARL, ANA):
        await answer(chat, messenger, email, text=TEXTS[email], choice="Colleague", scale=4)
    await ok(chat(ANA), "campaign close 1")
    await tick(services)
    return await _every_output(chat, db, messenger, services)


async def test_from_three_answers_every_output_shows_the_figures(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    outputs = await _three_answers_every_output(chat, db, clock, messenger, services)
    for where, content in outputs.items():
        assert "Colleague" in content, where
        if where not in ("png data",):
            assert "zebra quartz" in content, where


async def test_a_raised_minimum_withholds_three_answers_too(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    services.settings = replace(services.settings, campaigns=CampaignSettings(anonymity_min=4))
    outputs = await _three_answers_every_output(chat, db, clock, messenger, services)
    assert not _outputs_without_figures(outputs, 3)
    assert "fewer than 4 answers" in outputs["chat en"] and "moins de 4 réponses" in outputs["html fr"]


# -- the secret: none, and rotated -----------------------------------------------------------------------

async def test_without_a_server_secret_an_anonymous_answer_is_refused_not_keyed_by_nothing(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services, caplog) -> None:
    await sent_campaign(chat, db, clock, services, anonymous=True)
    services.settings = replace(services.settings, security=SecuritySettings())
    prompt = inbox(messenger, BOB)[-1]
    scale = prompt.sections[3].buttons[3]
    refused = await chat(BOB).click(scale.action_id, scale.value)
    assert refused.error
    assert "no server secret" in caplog.text
    async with db.uow() as uow:
        assert not (await uow.session.exec(select(Response))).all()


async def test_after_a_rotation_the_previous_secret_still_finds_earlier_answers(  # type: ignore[no-untyped-def]
        chat, db, clock, messenger, services) -> None:
    """Decided: the secrets used before are kept in ``previous_secret_keys`` while rounds answered under
    them are open; a member's answers are found under them (no reminder, the form prefilled, an edit
    and not a second answer) and move to the current secret when the member answers again."""
    first = services.settings.security.secret_key
    await demo_group(chat, db, (BOB, CARL))
    assert not (await create(chat, RETRO, start="2026-03-10", timezone="Europe/Paris",
                             recurrence="once")).error
    await ok(chat(ANA), "campaign start 1")
    clock.current = at("2026-03-10T09:00")
    await tick(services)
    prompt = inbox(messenger, BOB)[0]
    await _click(chat, BOB, prompt, 1, "4")
    write = prompt.sections[2].buttons[0]
    form = (await chat(BOB).click(write.action_id, write.value)).form
    assert form is not None
    assert not (await chat(BOB).click(form.action_id, form.value, answer="kept under the first")).error

    second = "second-secret-" + "x" * 32
    services.settings = replace(services.settings, security=SecuritySettings(second, (first,)))
    clock.current = at("2026-03-12T09:30")
    await tick(services)                                   # reminders: Ana and Carl, not Bob
    assert len(inbox(messenger, BOB)) == 1 and len(inbox(messenger, CARL)) == 2
    reopened = await chat(BOB).click(write.action_id, write.value)
    assert reopened.form is not None and reopened.form.inputs[0].initial == "kept under the first"
    five = [b for b in prompt.sections[1].buttons if b.label == "5"][0]
    assert "updated" in (await chat(BOB).click(five.action_id, five.value)).text
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Response))).all()
        campaign = await uow.session.get(Campaign, 1)
    bob = await member(db, BOB)
    assert campaign is not None and bob.id is not None
    now_key = respondent_keys(campaign, rows[0].round_id, bob.id, services.settings.security)
    assert len(rows) == 2 and {row.respondent for row in rows} == {now_key[0]}   # moved to the new key
    assert {row.scale for row in rows} == {5, None}

    services.settings = replace(services.settings, security=SecuritySettings("third-" + "y" * 32))
    three = [b for b in prompt.sections[1].buttons if b.label == "3"][0]
    assert "saved" in (await chat(BOB).click(three.action_id, three.value)).text
    # without the previous secret, Bob is a stranger to his own answer: a second one is counted —
    # which is why the README says to keep it until the rounds open at the rotation have closed


async def test_a_database_error_logs_no_parameter(db: Database) -> None:
    """An error's message would otherwise quote the values of the statement — an answer's text."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    with pytest.raises(SQLAlchemyError) as caught:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT * FROM no_such_table WHERE x = :x"),
                                     {"x": "my secret words"})
    assert "my secret words" not in str(caught.value)
