"""The expert's card as the dispatcher renders it (``core.experts.notices.render_card``, one read): where
it goes, in whose language, with whose name — and the cards that must not go (the turn is over, the
holder was erased or was never seen on a platform). Real router, real database, both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select, update

from core.delivery.models import Delivery
from core.directory.models import Identity, Member
from core.experts.models import QuestionRoute
from core.experts.notices import CARD, render_card
from core.ports import FakeClock, MemberAddress
from core.runtime.db import Database
from core.services import Services
from tests.expert_support import import_demo

ASKER = "emily.jones@aurora.example"
HUGO = "hugo.lefebvre@aurora.example"  # the Kubernetes expert; French
KUBERNETES = "ask How do I deploy a Python service on Kubernetes?"


@pytest.fixture
async def demo(db: Database, clock: FakeClock) -> dict[str, int]:
    return await import_demo(db, clock)


async def card_row(db: Database) -> Delivery:
    async with db.uow() as uow:
        row = (await uow.session.exec(select(Delivery).where(Delivery.purpose == CARD)
                                      .order_by(col(Delivery.id).desc()))).first()
    assert row is not None
    return row


async def render(db: Database, services: Services, row: Delivery):  # type: ignore[no-untyped-def]
    async with db.uow() as uow:
        return await render_card(uow, row, services.settings)


async def change(db: Database, statement) -> None:  # type: ignore[no-untyped-def]
    async with db.uow() as uow:
        await uow.session.exec(statement)
        await uow.commit()


async def test_the_card_goes_to_the_holder_s_latest_identity_in_their_language_with_the_asker_s_name(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, services: Services) -> None:
    await chat(ASKER).say(KUBERNETES)
    row = await card_row(db)
    assert row.target_id == str(demo[HUGO])
    async with db.uow() as uow:
        asker = await uow.session.get(Member, demo[ASKER])
        latest = (await uow.session.exec(select(Identity).where(Identity.member_id == demo[HUGO])
                                         .order_by(col(Identity.created_at).desc(), col(Identity.id).desc()))
                  ).first()
    assert asker is not None and latest is not None
    out = await render(db, services, row)
    assert out is not None
    assert out.address == MemberAddress(latest.platform, latest.tenant, latest.user_id)
    assert out.reply.locale == "fr"
    assert asker.display_name in out.reply.text and "Kubernetes" in out.reply.text, out.reply.text
    assert [button.action_id for button in out.reply.buttons] == ["question.answer", "question.pass"]


async def test_no_card_once_the_turn_is_over_or_for_an_erased_or_unreachable_holder(  # type: ignore[no-untyped-def]
        chat, demo, db: Database, services: Services) -> None:
    await chat(ASKER).say(KUBERNETES)
    row = await card_row(db)
    route_id = int(row.source.partition(":")[2])
    assert await render(db, services, row) is not None

    await change(db, update(QuestionRoute).where(col(QuestionRoute.id) == route_id)
                 .values(outcome="passed", outcome_at=datetime.now(UTC)))
    assert await render(db, services, row) is None, "the turn is over"
    await change(db, update(QuestionRoute).where(col(QuestionRoute.id) == route_id)
                 .values(outcome=None, outcome_at=None))
    assert await render(db, services, row) is not None

    await change(db, update(Member).where(col(Member.id) == demo[HUGO]).values(erased_at=datetime.now(UTC)))
    assert await render(db, services, row) is None, "an erased member"
    await change(db, update(Member).where(col(Member.id) == demo[HUGO]).values(erased_at=None))
    assert await render(db, services, row) is not None

    await change(db, update(Identity).where(col(Identity.member_id) == demo[HUGO])
                 .values(member_id=demo[ASKER]))  # Hugo's accounts are someone else's now
    assert await render(db, services, row) is None, "never seen on a platform"
