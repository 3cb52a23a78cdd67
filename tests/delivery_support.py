"""Shared by the outbox, dispatcher and exactly-once tests: a round with members, and a test renderer."""

from __future__ import annotations

from datetime import datetime

from core.delivery.outbox import Outgoing, Target
from core.directory.members import address_of
from core.messages import Reply
from core.ports import ConversationRef
from core.registry import Registry
from core.runtime.db import Database, UnitOfWork
from core.schema import Campaign, Delivery, Identity, Member, Round
from core.settings import Settings

PURPOSE = "test.hello"


async def render_hello(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """A member's direct conversation, or a console channel; ``None`` when the member cannot be reached."""
    if delivery.target_kind == "channel":
        return Outgoing(ConversationRef("console", "local", delivery.target_id),
                        Reply(text=f"hello channel {delivery.target_id}"))
    address = await address_of(uow, int(delivery.target_id))
    if address is None:
        return None
    return Outgoing(address, Reply(text=f"hello {delivery.target_id} #{delivery.round_id}"))


def register(registry: Registry) -> None:
    """Add the test renderer of ``PURPOSE`` to a test's registry."""
    registry.add_renderer(PURPOSE, render_hello)


async def make_round(db: Database, members: int, due: datetime,
                     platform: str = "console") -> tuple[int, list[Target]]:
    """A campaign with one round and ``members`` members each with an identity on ``platform``."""
    async with db.uow() as uow:
        campaign = Campaign(title="Weekly")
        uow.session.add(campaign)
        await uow.session.flush()
        assert campaign.id is not None
        round_ = Round(campaign_id=campaign.id, index=1, due_at=due)
        people = [Member(display_name=f"m{i}", email=f"m{i}@example.com") for i in range(members)]
        uow.session.add_all([round_, *people])
        await uow.session.flush()
        uow.session.add_all([Identity(platform=platform, tenant="local", user_id=f"U{m.id}", member_id=m.id)
                             for m in people if m.id is not None])
        await uow.commit()
        assert round_.id is not None
        return round_.id, [Target.member(m.id) for m in people if m.id is not None]
