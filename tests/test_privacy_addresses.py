"""The address of an erased member is recognised, not kept: the directory import and ``[roles]`` do not
bring the person back, a rotated secret still recognises it, and once they come back by themselves
(a new identity) the import and the roles find the new member as anyone else."""

from __future__ import annotations

import io

from sqlmodel import select

from core.directory import roles
from core.directory.erased import was_erased
from core.directory.importer import import_directory
from core.schema import Member
from core.settings import SecuritySettings
from tests.campaign_support import ANA
from tests.conftest import TEST_SETTINGS

ROW = f"email,name,title,department,location,timezone,locale,skills,roles\n{ANA},Ana Lima,,,,,,,animator\n"
KEYS = TEST_SETTINGS.security.keys


async def emails(db) -> list[str | None]:  # type: ignore[no-untyped-def]
    async with db.uow() as uow:
        return list((await uow.session.exec(select(Member.email))).all())


async def test_an_erased_address_is_neither_imported_nor_seeded_again(chat, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await chat(ANA).say("privacy delete confirm")
    assert ANA not in await emails(db) and await was_erased(services, ANA)
    report = await import_directory(db, io.StringIO(ROW), clock=clock, secrets=KEYS)
    assert [(e.line, e.key) for e in report.errors] == [(2, "importer.row_erased")] and report.created == 0
    assert await roles.seed(db, [(ANA, "admin")], default_locale="en", clock=clock, secrets=KEYS) == 0
    assert ANA not in await emails(db)
    rotated = SecuritySettings(secret_key="a-new-secret-" + "n" * 32, previous_secret_keys=KEYS)
    report = await import_directory(db, io.StringIO(ROW), clock=clock, secrets=rotated.keys)
    assert report.errors and report.created == 0, "recognised under the previous secret"


async def test_once_back_by_herself_she_is_a_member_like_any_other(chat, db, clock, services) -> None:  # type: ignore[no-untyped-def]
    await chat(ANA).say("privacy delete confirm")
    await chat(ANA).say("help")                      # back on the platform: a new member, her address
    report = await import_directory(db, io.StringIO(ROW), clock=clock, secrets=KEYS)
    assert report.errors == [] and report.updated == 1
    assert await roles.seed(db, [(ANA, "admin")], default_locale="en", clock=clock, secrets=KEYS) == 1
    assert (await emails(db)).count(ANA) == 1


async def test_an_address_never_erased_is_not_mistaken_for_one(db, clock, services) -> None:  # type: ignore[no-untyped-def]
    assert not await was_erased(services, ANA)
    report = await import_directory(db, io.StringIO(ROW), clock=clock, secrets=KEYS)
    assert report.created == 1 and report.errors == []
