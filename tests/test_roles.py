"""Role management through the router: admins only, audited, with clear refusals."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from core.directory.members import find_by_email
from core.messages import Reply
from core.runtime.db import Database
from core.schema import AuditEntry, MemberRole
from tests.conftest import give_role

ADMIN, ANA, BOB = "root@example.com", "ana@example.com", "bob@example.com"


async def roles(db: Database, email: str) -> set[str]:
    async with db.uow() as uow:
        member = await find_by_email(uow, email)
        assert member is not None
        found = await uow.session.exec(select(MemberRole.role).where(MemberRole.member_id == member.id))
        return set(found.all())


async def audit(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
        return [(row.action, row.target, row.detail) for row in rows]


@pytest.fixture
async def people(chat, db: Database):  # type: ignore[no-untyped-def]
    """An admin, Ana and Bob, all known to Parvis."""
    admin, ana, bob = chat(ADMIN), chat(ANA), chat(BOB)
    for who in (admin, ana, bob):
        await who.say("help")
    await give_role(db, ADMIN, "admin")
    return admin, ana, bob


async def said(who, text: str, error: bool = False) -> Reply:  # type: ignore[no-untyped-def]
    reply = await who.say(text)
    assert reply.error is error, reply.text
    return reply


async def test_admin_grants_and_revokes_with_an_audit_trail(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = people
    assert "Ana" in (await said(admin, f"role grant animator {ANA}")).text
    assert await roles(db, ANA) == {"animator"}
    assert "no longer" in (await said(admin, "role revoke animator Ana")).text
    assert await roles(db, ANA) == set()
    trail = await audit(db)
    assert [(action, detail) for action, _, detail in trail] == [
        ("role.grant", {"role": "animator"}), ("role.revoke", {"role": "animator"})]
    assert trail[0][1] == trail[1][1] and trail[0][1].startswith("member:")


async def test_granted_role_takes_effect(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    admin, ana, bob = people
    await said(bob, "group create Data Science")
    assert "Only the owners" in (await said(ana, "group archive data science", error=True)).text
    await said(admin, f"role grant ANIMATOR {ANA}")
    await said(ana, "group archive data science")


async def test_held_and_unheld_roles_get_clear_messages(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = people
    await said(admin, f"role grant moderator {BOB}")
    assert "already has" in (await said(admin, f"role grant moderator {BOB}", error=True)).text
    assert "does not have" in (await said(admin, f"role revoke referent {BOB}", error=True)).text
    assert await roles(db, BOB) == {"moderator"}
    assert len(await audit(db)) == 1


@pytest.mark.parametrize(("word", "expected"), [("animatr", "Did you mean `animator`"), ("xyz", "Roles:"),
                                                ("member", "Roles:")])
async def test_unknown_roles_list_the_valid_ones(people, db, word: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = people
    reply = await said(admin, f"role grant {word} {ANA}", error=True)
    assert expected in reply.text and "animator, referent, moderator, admin" in reply.text
    assert await audit(db) == []


async def test_unknown_member_and_missing_arguments(people) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = people
    reply = await said(admin, "role grant animator nobody@example.com", error=True)
    assert "nobody@example.com" in reply.text
    assert "Usage" in (await said(admin, "role grant animator", error=True)).text


async def test_only_admins_manage_roles(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    _, ana, _ = people
    reply = await said(ana, f"role grant admin {ANA}", error=True)
    assert "Only administrators" in reply.text
    assert await roles(db, ANA) == set()


async def test_without_any_admin_the_configuration_is_named(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA)
    reply = await said(ana, f"role grant admin {ANA}", error=True)
    assert "[roles]" in reply.text
    assert await roles(db, ANA) == set()


async def test_the_last_admin_cannot_be_revoked(people, db: Database) -> None:  # type: ignore[no-untyped-def]
    admin, _, _ = people
    assert "last administrator" in (await said(admin, f"role revoke admin {ADMIN}", error=True)).text
    await said(admin, f"role grant admin {ANA}")
    await said(admin, f"role revoke admin {ADMIN}")
    assert await roles(db, ADMIN) == set() and await roles(db, ANA) == {"admin"}


async def test_replies_in_french(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    admin, ana = chat(ADMIN, locale="fr"), chat(ANA, locale="fr")
    await admin.say("aide")
    await ana.say("help")
    assert "`[roles]`" in (await said(ana, f"role grant animator {ANA}", error=True)).text
    await give_role(db, ADMIN, "admin")
    assert "a désormais le rôle" in (await said(admin, f"role grant animator {ANA}")).text
    assert "Vouliez-vous dire" in (await said(admin, f"role revoke animateur {ANA}", error=True)).text
    assert "Seuls les administrateurs" in (await said(ana, f"role grant admin {ANA}", error=True)).text
