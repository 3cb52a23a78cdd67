"""The usage charter: shown before a member's first use, accepted by command or button, asked again when
its version changes, and seen by admins — through the real router and database (SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core.commands import Invocation
from core.commands.router import CommandRouter
from core.errors import ConfigError
from core.governance import charter
from core.i18n import Translator
from core.runtime.db import Database
from core.schema import AuditEntry, Group, GroupMember, Member
from core.services import Services
from core.settings import GovernanceSettings
from tests.conftest import actor, give_role

ANA, BOB, ADMIN = "ana@example.com", "bob@example.com", "admin@example.com"
SHIPPED = charter.load()


@pytest.fixture(autouse=True)
def required(services: Services) -> None:
    """These tests are about the charter: the process requires it, as by default."""
    services.settings = replace(services.settings, governance=GovernanceSettings())


def write_charter(directory: Path, version: str, *, fr_version: str | None = None) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    for locale, ver in (("en", version), ("fr", fr_version or version)):
        (directory / f"{locale}.md").write_text(
            f'+++\nversion = "{ver}"\ntitle = "Charter {locale}"\n+++\nBe kind ({locale}, {ver}).\n')
    return str(directory)


async def rows(db: Database, model: Any) -> list[Any]:
    async with db.uow() as uow:
        return list((await uow.session.exec(__import__("sqlmodel").select(model))).all())


async def member(db: Database, email: str) -> Member:
    return next(row for row in await rows(db, Member) if row.email == email)


async def test_a_member_who_has_not_accepted_cannot_join_a_group(chat, db: Database, services) -> None:  # type: ignore[no-untyped-def]
    services.settings = replace(services.settings, governance=GovernanceSettings(require_charter=False))
    assert not (await chat(ADMIN).say("group create Data Science")).error
    services.settings = replace(services.settings, governance=GovernanceSettings())
    ana = chat(ANA)
    first = await ana.say("group join data-science")
    assert not first.error, "the charter, not an error"
    assert SHIPPED.text("en").body in first.text and first.title and "version 1" in first.title
    assert [button.action_id for button in first.buttons] == ["charter.accept"]
    assert first.buttons[0].value == SHIPPED.version
    assert "Your command has not run" in (first.context or "")
    second = await ana.say("group join data-science")
    assert second.text == Translator("en")("charter.reminder") and second.buttons, "a reminder after"
    assert len(await rows(db, GroupMember)) == 1, "only the creator: Ana did not join"
    assert (await member(db, ANA)).charter_shown == SHIPPED.version


async def test_help_charter_lang_and_privacy_work_before_accepting(chat) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    assert "Parvis — what you can do" in ((await ana.say("help")).title or "")
    assert (await ana.say("lang fr")).text == Translator("fr")("lang.changed")
    assert (await ana.say("charter")).buttons, "the charter with its Accept button"
    privacy = await ana.say("privacy export")
    assert "charter" not in privacy.text.lower() and not privacy.buttons
    assert (await ana.say("expert me")).buttons[0].action_id == "charter.accept", "the rest waits"


async def test_accepting_by_command_opens_everything(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ana.say("group list")
    thanks = await ana.say("charter accept")
    assert thanks.text == Translator("en")("charter.thanks", version=SHIPPED.version)
    created = await ana.say("group create Data Science")
    assert not created.error and "Data Science" in created.text
    again = await ana.say("charter accept")
    assert "already accepted" in again.text
    shown = await ana.say("charter")
    assert not shown.buttons and "You accepted this version on" in (shown.context or "")
    found = await member(db, ANA)
    assert found.charter_version == SHIPPED.version and found.charter_accepted_at is not None
    entries = [entry for entry in await rows(db, AuditEntry) if entry.action == "charter.accept"]
    assert len(entries) == 1 and entries[0].detail == {"version": SHIPPED.version}
    assert entries[0].actor_id == found.id


async def test_the_accept_button_accepts_the_version_it_was_shown_with(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    shown = await ana.say("ask who knows kubernetes?")
    button = shown.buttons[0]
    stale = await ana.click(button.action_id, "0")
    assert stale.buttons and "The charter has changed" in (stale.context or "")
    assert (await member(db, ANA)).charter_version is None, "an old charter's button accepts nothing"
    accepted = await ana.click(button.action_id, button.value)
    assert "Thank you" in accepted.text and not accepted.error
    assert (await member(db, ANA)).charter_version == SHIPPED.version


async def test_a_new_version_asks_everyone_again(chat, db: Database, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    await ana.say("charter accept")
    assert not (await ana.say("group list")).buttons
    newer = write_charter(tmp_path / "v2", "2")
    services.settings = replace(services.settings, governance=GovernanceSettings(charter_dir=newer))
    again = await ana.say("group list")
    assert again.buttons and again.buttons[0].value == "2" and "Be kind (en, 2)" in again.text
    await ana.click("charter.accept", "2")
    assert (await member(db, ANA)).charter_version == "2"
    assert not (await ana.say("group list")).buttons


async def test_french_members_read_the_french_charter(chat) -> None:  # type: ignore[no-untyped-def]
    shown = await chat(BOB, "fr-FR").say("group list")
    assert SHIPPED.text("fr").body in shown.text and shown.buttons[0].label == "J'accepte"


async def test_without_the_requirement_nothing_waits(chat, services) -> None:  # type: ignore[no-untyped-def]
    services.settings = replace(services.settings, governance=GovernanceSettings(require_charter=False))
    ana = chat(ANA)
    assert not (await ana.say("group create Data Science")).error
    assert not (await ana.say("group join data-science")).buttons


async def test_a_kept_reply_does_not_slip_past_the_charter(chat, router: CommandRouter) -> None:  # type: ignore[no-untyped-def]
    """Slack answers repeats from memory before anything runs: a reply kept for a member who accepted
    must not answer one who has not."""
    for _ in range(2):  # Bob is known to this process now (his first command created him)
        await chat(BOB).say("help")
    ana = chat(ANA)
    await ana.say("charter accept")
    await ana.say("expert add python")
    kept = await ana.say("expert find python")  # kept for everyone with Ana's language and roles
    assert not kept.buttons and "Ana" in kept.text
    prepared = router.prepare(Invocation(actor=actor(BOB), text="expert find python"))
    assert prepared is not None and router.remembered(prepared) is None
    assert (await router.run(prepared)).buttons[0].action_id == "charter.accept"


async def test_admins_see_who_accepted_which_version(chat, db: Database, services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for email in (ANA, BOB, ADMIN):
        await chat(email).say("charter accept")
    await give_role(db, ADMIN, "admin")
    newer = GovernanceSettings(charter_dir=write_charter(tmp_path / "v2", "2"))
    services.settings = replace(services.settings, governance=newer)
    await chat(ANA).say("charter accept")
    await chat("carl@example.com").say("help")
    status = await chat(ADMIN).say("charter status")
    assert not status.error
    assert "**Version 2** (current): accepted by 1 of 4 members" in status.text
    assert "Version 1 (earlier): 2" in status.text and "Not accepted yet: 1" in status.text
    assert "• Ana — version 2" in status.text and "• Bob — version 1" in status.text
    refused = await chat(BOB).say("charter status")
    assert refused.error and refused.text == Translator("en")("charter.status_forbidden")


async def test_a_wrong_word_after_charter_says_what_exists(chat) -> None:  # type: ignore[no-untyped-def]
    reply = await chat(ANA).say("charter acept")
    assert reply.error and "`charter acept` is not a command" in reply.text and "charter accept" in reply.text


async def test_a_refused_command_counts_as_no_activity(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    from core.runtime.activity_log import activity_log
    from core.schema import ActivityEvent

    ana = chat(ANA)
    await ana.say("group create Data Science")
    await ana.say("group create Data Science")
    await activity_log(db).flush()
    assert [event.detail["name"] for event in await rows(db, ActivityEvent)] == []
    assert await rows(db, Group) == []


def test_the_shipped_charter_is_complete_and_alike_in_both_languages() -> None:
    assert SHIPPED.version and set(SHIPPED.texts) == {"en", "fr"}
    for locale in ("en", "fr"):
        body = SHIPPED.text(locale).body
        assert body.count("**") >= 10, "five numbered rules, each in bold"
        assert "privacy export" in body and "privacy delete" in body and "moderation report" in body


def test_a_charter_in_disagreement_with_itself_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"same version .*'1'.*'2'"):
        charter.load(write_charter(tmp_path / "split", "1", fr_version="2"))
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "en.md").write_text("Be kind.\n")
    (tmp_path / "bare" / "fr.md").write_text("Soyez aimables.\n")
    with pytest.raises(ConfigError, match=r"bare/en.md: expected a header between two '\+\+\+' lines"):
        charter.load(str(tmp_path / "bare"))
    (tmp_path / "noversion").mkdir()
    for locale in ("en", "fr"):
        (tmp_path / "noversion" / f"{locale}.md").write_text('+++\ntitle = "T"\n+++\nText\n')
    with pytest.raises(ConfigError, match="version: expected a non-empty string"):
        charter.load(str(tmp_path / "noversion"))
    with pytest.raises(ConfigError, match="fr.md: cannot be read"):
        (tmp_path / "half").mkdir()
        (tmp_path / "half" / "en.md").write_text('+++\nversion = "1"\ntitle = "T"\n+++\nText\n')
        charter.load(str(tmp_path / "half"))


async def test_the_acceptance_date_in_the_reader_s_language_and_zone(chat, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    clock.current = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    lea, ana = chat(BOB, "fr-FR"), chat(ANA)
    await lea.say("charter accept")
    await ana.say("charter accept")
    assert "2026-03" not in ((await lea.say("charter")).context or "")
    assert "mars 2026" in ((await lea.say("charter")).context or "")
    assert "March 9, 2026, 11:30\u202fPM" in ((await ana.say("charter")).context or ""), "UTC: her zone here"
