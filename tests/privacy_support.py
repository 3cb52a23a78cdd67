"""Shared by the privacy tests: a member who has done a bit of everything Parvis keeps a trace of, and
a scan of every column of every table that finds what mentions them, written without the export's
code (it walks ``SQLModel.metadata``), so that the two can be compared.

Ana, the subject, was imported from the directory with roles and a skill, given a role by the
configuration and another by an admin, created a group and a campaign, answered its prompt, asked
two questions (one answered and marked helpful, so reusable; one still routed), answered a
question routed to her, declared skills and an absence, added a synonym, shared a campaign and had
one shared with her, linked a channel, posted a poll and voted in it, left a campaign, has a Teams
identity with its conversation reference, a file kept for her to download, and a sign-in link to the
web console.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlmodel import SQLModel, col

from core.campaigns import ownership
from core.campaigns.preference_models import CampaignPreference
from core.commands import Invocation
from core.directory import roles
from core.directory.importer import import_directory
from core.downloads import store
from core.groups.models import Announcement
from core.moderation.models import Report
from core.pairing.models import Pairing, PairingParticipant, PairingPause, PairingRound, PairingSetup
from core.ports import ConversationRef
from core.runtime.activity_log import activity_log
from core.runtime.db import Database
from core.schema import Campaign, GroupChannel, Identity, Member
from core.services import Services
from core.web import sessions
from tests.campaign_support import ANA, BOB, CARL, DEE, ok
from tests.conftest import TEST_SETTINGS
from tests.report_support import answer, sent_campaign

EVE = "eve@example.com"
NAME = "Zéphyrine Quillard"
TEAMS_USER = "29:1zQuillardTeamsUserId"
TEAMS_CONVERSATION = "a:1zQuillardPersonalChat"
#: the strings that identify Ana: e-mail (her console user id too), name, Teams ids, profile
MARKS = ("ana@example.com", NAME, TEAMS_USER, TEAMS_CONVERSATION, "Chief Cartographer", "Maps & Charts")
PEOPLE = f"""email,name,title,department,location,timezone,locale,skills,roles
{ANA},{NAME},Chief Cartographer,Maps & Charts,Lyon,Europe/Paris,en,kubernetes,referent
{BOB},Bob Martin,Engineer,R&D,Paris,Europe/Paris,en,kubernetes,
{CARL},Carl Jones,Engineer,R&D,New York,America/New_York,en,,
{DEE},Dee Admin,Director,Board,Tokyo,Asia/Tokyo,en,,admin
{EVE},Eve Moreau,Animator,Comms,Paris,Europe/Paris,en,,animator
"""


async def member_id(db: Database, email: str) -> int:
    async with db.uow() as uow:
        found = (await uow.session.exec(select(Member.id).where(col(Member.email) == email))).first()
        assert found is not None
        return int(found[0])


async def _questions(chat: Any, services: Services) -> None:
    """Ana asks two questions (Bob answers the first, Ana finds it helpful), answers one of Bob's."""
    ana, bob = chat(ANA), chat(BOB)
    await ok(ana, "ask How do we roll out kubernetes clusters safely?")
    answered = await bob.click("question.submit", "1", answer="Use a staging cluster first.")
    assert not answered.error, answered.text
    await ok(ana, "expert add python:3")
    await ok(bob, "ask Which python library reads spreadsheets best?")
    mine = await ana.click("question.submit", "2", answer="Try openpyxl or pandas.")
    assert not mine.error, mine.text
    helpful = await ana.click("question.helpful", "1:yes")
    assert not helpful.error, helpful.text
    await ok(ana, "ask Where are the kubernetes runbooks kept these days?")


async def _rows(db: Database, services: Services, ana: int) -> None:
    """What no command of the console makes: a Teams identity, a linked Slack channel, a campaign
    shared with Ana, a file kept for her, an announcement, her coffee pairing, a report she filed."""
    now = services.clock.now()
    eve = await member_id(db, EVE)
    async with db.uow() as uow:
        uow.session.add(Identity(platform="teams", tenant="tenant-1", user_id=TEAMS_USER, member_id=ana,
                                 created_at=now - timedelta(days=30), conversation={
                                     "user": {"id": TEAMS_USER, "name": NAME},
                                     "conversation": {"id": TEAMS_CONVERSATION}, "serviceUrl": "https://smba"}))
        uow.session.add(GroupChannel(group_id=1, platform="slack", tenant="T1", channel_id="C0DATA",
                                     linked_by=ana))
        campaign = Campaign(title="Eve's pulse", created_by=eve, audience={"groups": [1]})
        uow.session.add(campaign)
        await uow.session.flush()
        person = await uow.session.get(Member, ana)
        assert person is not None
        await ownership.share(uow, campaign, person, eve, now)
        uow.session.add(CampaignPreference(campaign_id=campaign.id, member_id=ana, left_at=now))
        uow.session.add(Announcement(group_id=1, author_id=ana, text="Map walk on Friday"))
        uow.session.add(PairingSetup(group_id=1, updated_by=ana))
        uow.session.add(PairingParticipant(group_id=1, member_id=ana))
        uow.session.add(PairingPause(member_id=ana, until=now + timedelta(days=14)))
        coffee = PairingRound(group_id=1, index=1, started_at=now, remind_at=now + timedelta(days=7))
        uow.session.add(coffee)
        await uow.session.flush()
        uow.session.add(Pairing(round_id=coffee.id, group_id=1, members=[eve, ana]))
        uow.session.add(Report(reporter_id=ana, link="https://acme.slack.com/archives/C0DATA/p1700000000000100",
                               platform="slack", tenant="T1", conversation="C0DATA",
                               message_id="1700000000.000100", reason="off topic"))
        await uow.commit()
    await store.keep(db, b'{"export": "' + NAME.encode() + b'"}', now, name="parvis-export.json",
                     media_type="application/json", member_id=ana)
    async with db.uow() as uow:  # a web console sign-in link of hers
        sessions.issue_link(uow, ana, now)
        await uow.commit()


async def _polls(chat: Any) -> None:
    """Ana posts a poll in a channel and votes in it, and votes in an anonymous poll (which keeps
    nothing of her)."""
    ana, where = chat(ANA), ConversationRef("console", "local", "lunch")
    for text in ('poll "Lunch on Friday?" "Pizza" "Sushi"', 'poll "Secret ballot?" "Yes" "No" anonymous'):
        posted = await ana.router.handle(Invocation(actor=ana.actor, text=text, channel=where))
        assert posted.silent and not posted.error, posted.text
    for value in ("1:0", "2:1"):
        voted = await ana.click("poll.vote", value)
        assert not voted.error, voted.text


async def world(chat: Any, db: Database, clock: Any, services: Services, messenger: Any) -> int:
    """Build Ana's traces (see the module's docstring); returns her member id."""
    report = await import_directory(db, io.StringIO(PEOPLE), clock=clock, secrets=TEST_SETTINGS.security.keys)
    assert report.errors == [], report.errors
    await roles.seed(db, [(ANA, "moderator")], default_locale="en", clock=clock,
                     secrets=TEST_SETTINGS.security.keys)
    await sent_campaign(chat, db, clock, services)
    await answer(chat, messenger, ANA, text="I learnt to read contour lines", choice="Project", scale=4)
    await answer(chat, messenger, BOB, text="Nothing much", choice="Course", scale=2)
    await _questions(chat, services)
    ana = await member_id(db, ANA)
    await ok(chat(ANA), "expert away until 2026-04-30")
    await ok(chat(ANA), "expert synonym add orchestration = kubernetes")
    await ok(chat(ANA), f"campaign share 1 {EVE}")
    await ok(chat(DEE), f"role grant admin {ANA}")
    await _rows(db, services, ana)
    await _polls(chat)
    await activity_log(db).flush()
    return ana


# ---- the scan ------------------------------------------------------------------------------------

#: columns that hold a member's id as text, not as a foreign key: (table, column) → how to read it
ID_AS_TEXT = {("delivery", "target_id"), ("response", "respondent"), ("audit_entry", "target"),
              ("pairing", "members"), ("poll_vote", "voter")}
#: columns named as if they were about a member that are not (or are read as text by the scan)
NOT_MEMBER = {("delivery", "target_kind"), ("identity", "user_id")}
MEMBERISH = ("member", "user", "actor", "author", "asker", "assignee", "expert", "owner", "respondent",
             "target", "created_by", "linked_by", "added_by", "shared_by")


def member_columns(table: Table) -> list[str]:
    """The columns that are foreign keys to ``member.id`` (and ``member.id`` itself)."""
    found = [c.name for c in table.columns
             if any(fk.column.table.name == "member" and fk.column.name == "id" for fk in c.foreign_keys)]
    return found + (["id"] if table.name == "member" else [])


def unexplained_columns() -> list[str]:
    """Columns whose name says "member" that are neither a foreign key to it nor known here: a new one
    must be taught to the export (``core.privacy.holdings``) and to this scan."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        keys = set(member_columns(table))
        for column in table.columns:
            name = (table.name, column.name)
            if (any(word in column.name for word in MEMBERISH) and column.name not in keys
                    and name not in ID_AS_TEXT | NOT_MEMBER):
                found.append(f"{table.name}.{column.name}")
    return found


def text_of(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def key_of(table: Table, row: dict[str, Any]) -> tuple[Any, ...]:
    """A row's primary key, as the export writes values (dates in ISO 8601)."""
    return tuple(plain(row[c.name]) for c in table.primary_key.columns)


def plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def names_member(table: Table, row: dict[str, Any], member: int, marks: tuple[str, ...]) -> bool:
    """Whether ``row`` mentions the member: by id in a member column or as text, or by a mark anywhere."""
    if any(row[name] == member for name in member_columns(table)):
        return True
    if table.name == "delivery" and row["target_kind"] == "member" and row["target_id"] == str(member):
        return True
    if table.name == "response" and row["respondent"] == str(member):
        return True
    if table.name == "poll_vote" and row["voter"] == str(member):
        return True
    if table.name == "pairing" and member in (row["members"] or []):
        return True
    if table.name == "audit_entry" and (row["target"] == f"member:{member}"
                                        or (row["detail"] or {}).get("member") == member):
        return True
    return any(mark in text_of(row[c.name]) for c in table.columns for mark in marks)


async def scan(db: Database, member: int | None, marks: tuple[str, ...]) -> dict[str, set[tuple[Any, ...]]]:
    """Table → the primary keys of its rows that mention the member (``None``: by ``marks`` alone)."""
    found: dict[str, set[tuple[Any, ...]]] = {}
    async with db.uow() as uow:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await uow.session.exec(select(table))).mappings().all()  # type: ignore[call-overload]
            hits = {key_of(table, dict(row)) for row in rows
                    if names_member(table, dict(row), member if member is not None else -1, marks)}
            if hits:
                found[table.name] = hits
    return found


def exported_keys(document: dict[str, Any]) -> dict[str, set[tuple[Any, ...]]]:
    """Section (table) → the primary keys of the rows the export holds."""
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    return {name: {tuple(row[c.name] for c in tables[name].primary_key.columns) for row in section["rows"]}
            for name, section in document["sections"].items()}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
