"""``privacy delete``: afterwards no column of any table holds the member's e-mail, names or platform ids
(a scan of every column of every table), while campaign participation and adoption figures are what
they were; the member can come back as a new person; what stays names nobody."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlmodel import col, select

from core.campaigns.reports import adoption_report
from core.runtime.activity_log import activity_log
from core.runtime.db import Database
from core.schema import (
    Answer,
    AuditEntry,
    Delivery,
    GroupMember,
    Identity,
    Member,
    Question,
    QuestionRoute,
    Response,
)
from core.stats import service
from core.stats.figures import Scope
from tests.campaign_support import ANA, BOB, DEE
from tests.privacy_support import MARKS, member_id, scan, world


async def figures(db: Database, services: Any) -> tuple[Any, Any]:
    """Adoption and campaign figures of the organisation over 4 weeks, as an admin sees them."""
    await activity_log(db).flush()
    now = services.clock.now()
    async with db.uow() as uow:
        stats = await service.gather(uow, Scope(), now, 4, 3, member_id=await member_id(db, DEE),
                                     roles=frozenset({"admin"}))
    return stats, await adoption_report(db, now, weeks=4)


async def erased(chat: Any, email: str = ANA) -> None:
    reply = await chat(email).say("privacy delete confirm")
    assert not reply.error, reply.text
    assert "Your personal data is erased" in reply.text


async def test_no_column_of_any_table_holds_her_email_names_or_platform_ids(chat, db, clock, services,  # type: ignore[no-untyped-def]
                                                                           messenger) -> None:
    await world(chat, db, clock, services, messenger)
    before = await scan(db, None, MARKS)
    assert set(before) >= {"member", "identity", "role_seed", "audit_entry", "download"}, before
    await erased(chat)
    await activity_log(db).flush()
    assert await scan(db, None, MARKS) == {}


async def test_participation_and_adoption_figures_are_unchanged(chat, db, clock, services,  # type: ignore[no-untyped-def]
                                                                messenger) -> None:
    await world(chat, db, clock, services, messenger)
    stats, report = await figures(db, services)
    await erased(chat)
    after, report_after = await figures(db, services)
    assert after.weeks == stats.weeks and after.campaigns == stats.campaigns
    assert after.experts == stats.experts and report_after.campaigns == report.campaigns
    assert [c.rounds for c in after.campaigns] and stats.weeks[-1].active > 0
    # the erasure is itself a command of the week, the one difference
    last = report.weeks[-1]
    assert report_after.weeks == (*report.weeks[:-1], replace(last, commands=last.commands + 1))
    assert after.population == stats.population - 1, "the directory as it is now has one person less"


async def test_what_stays_names_nobody(chat, db, clock, services, messenger) -> None:  # type: ignore[no-untyped-def]
    ana = await world(chat, db, clock, services, messenger)
    await erased(chat)
    async with db.uow() as uow:
        member = await uow.session.get(Member, ana)
        assert member is not None and member.erased_at == clock.current and member.erased_key
        assert (member.email, member.display_name, member.title, member.department) == (None, "", "", "")
        for model in (Identity, GroupMember):
            assert not (await uow.session.exec(select(model).where(col(model.member_id) == ana))).all()
        reused, bobs, pending = [await uow.session.get(Question, n) for n in (1, 2, 3)]
        assert reused is not None and reused.text and reused.asker_id is None, "reused: kept, unattributed"
        assert pending is not None and (pending.text, pending.status) == ("", "closed")
        assert bobs is not None and bobs.text and bobs.asker_id != ana
        answers = {a.question_id: a for a in (await uow.session.exec(select(Answer))).all()}
        assert answers[2].text == "" and answers[1].text == "Use a staging cluster first."
        mine = (await uow.session.exec(select(Response).where(col(Response.member_id) == ana))).all()
        assert mine and all(r.text is None for r in mine) and any(r.choice == "Project" for r in mine)
        sent = (await uow.session.exec(select(Delivery).where(col(Delivery.target_id) == str(ana)))).all()
        assert sent and all(d.message_ref == {} for d in sent)
        routes = (await uow.session.exec(
            select(QuestionRoute).where(col(QuestionRoute.expert_id) == ana))).all()
        assert routes and {f"route:{r.id}" for r in routes} <= {d.source for d in sent}  # her cards
        (entry,) = (await uow.session.exec(
            select(AuditEntry).where(AuditEntry.action == "privacy.erase"))).all()
        assert entry.target == f"member:{ana}" and entry.detail["identity"] == 2


async def test_she_can_come_back_later_as_a_new_person(chat, db) -> None:  # type: ignore[no-untyped-def]
    await chat(ANA).say("group create Maps")
    before = await member_id(db, ANA)
    await erased(chat)
    back = await chat(ANA).say("group list")
    assert not back.error and "Maps" in back.text, "the group stays, she is no longer in it"
    again = await member_id(db, ANA)
    assert again != before
    joined = await chat(ANA).say("group join maps")
    assert not joined.error, joined.text
    async with db.uow() as uow:
        old = await uow.session.get(Member, before)
        assert old is not None and old.erased_at is not None and old.email is None
        (identity,) = (await uow.session.exec(select(Identity).where(col(Identity.user_id) == ANA))).all()
        assert identity.member_id == again


async def test_the_last_admin_hands_over_first(chat, db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import give_role

    await chat(DEE).say("help")
    await give_role(db, DEE, "admin")
    refused = await chat(DEE).say("privacy delete confirm")
    assert refused.error and "only admin" in refused.text
    await chat(BOB).say("help")
    assert not (await chat(DEE).say(f"role grant admin {BOB}")).error
    await erased(chat, DEE)
