"""A message of several pages (a Slack message holds at most 50 blocks) keeps a page cursor in its
outbox row: a retry posts the pages not sent yet, never the first ones again."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from adapters.slack.outbound import render_pages
from core.delivery.dispatcher import Dispatcher
from core.delivery.outbox import Outgoing, Source, Target, enqueue
from core.messages import Reply, Section
from core.ports import FakeClock, MemberAddress
from core.registry import Registry
from core.runtime.db import UnitOfWork
from core.schema import Delivery, Identity, Member
from core.services import Services
from core.settings import Settings
from tests.delivery_support import make_round
from tests.slack.conftest import ANA, Slack

TEAM = "T0PARVIS"
LONG = Reply(text="The week in review", sections=tuple(Section(text=f"Item {i}") for i in range(120)))


async def render_long(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    return Outgoing(MemberAddress("slack", TEAM, ANA), LONG)


async def test_a_retry_resumes_at_the_first_page_not_sent(
        slack: Slack, services: Services, registry: Registry, clock: FakeClock) -> None:
    assert len(render_pages(LONG)) == 3
    registry.add_renderer("test.long", render_long)
    round_id, _ = await make_round(services.db, 0, clock.now())
    async with services.db.uow() as uow:
        member = Member(display_name="Ana", email="ana@example.com")
        uow.session.add(member)
        await uow.session.flush()
        assert member.id is not None
        uow.session.add(Identity(platform="slack", tenant=TEAM, user_id=ANA, member_id=member.id))
        await enqueue(uow, Source("round", round_id), "test.long", [Target.member(member.id)], clock.now())
        await uow.commit()
    slack.api.unavailable("chat.postMessage", status=503, skip=1)  # page 1 goes, page 2 meets a 503

    dispatcher = Dispatcher(services)
    await dispatcher.run_once()
    async with services.db.uow() as uow:
        (row,) = (await uow.session.exec(select(Delivery))).all()
    assert row.status == "pending" and row.message_ref["parts"] == 1
    first = slack.api.made("chat.postMessage")[0]
    assert row.message_ref["message_id"] == first.result["ts"]

    clock.advance(timedelta(hours=1))
    await dispatcher.run_once()
    async with services.db.uow() as uow:
        (row,) = (await uow.session.exec(select(Delivery))).all()
    posted = slack.api.made("chat.postMessage")
    assert row.status == "sent" and len(posted) == 3  # pages 1, 2, 3: page 1 once
    assert [call.args["blocks"][0]["text"]["text"] for call in posted] == [
        page["blocks"][0]["text"]["text"] for page in render_pages(LONG)]
    assert (row.message_ref["message_id"], row.message_ref["parts"]) == (first.result["ts"], 3)
