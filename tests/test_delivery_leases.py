"""A claimed row belongs to its claim: only the current lease holder writes its outcome.

The story of issue 12 ("3 posts for 1 delivery"): a dispatcher's send outlived its lease, another
dispatcher recovered the row, sent it again and recorded it sent; then the first send came back (late)
and its outcome overwrote the newer one, so a third dispatcher sent it once more.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import select

from core.delivery.dispatcher import Dispatcher
from core.delivery.ratelimit import Rate, RateLimiter
from core.errors import DeliveryError
from core.messages import Reply
from core.ports import FakeClock, FakeMessenger, MemberAddress, SentMessage
from core.runtime.db import Database
from core.schema import Delivery
from core.services import Services
from tests import test_dispatcher
from tests.test_dispatcher import materialise

LEASE = timedelta(minutes=5)
#: the test's registry, with the test renderer (as the dispatcher's tests have it)
registry = test_dispatcher.registry


@dataclass
class SlowFirstSend(FakeMessenger):
    """The first send waits for ``release``, then ends as ``first_ends`` says (an error, or accepted);
    later sends are accepted at once. ``calls`` counts what reached the platform."""

    first_ends: DeliveryError | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    calls: int = 0

    async def send_direct(self, to: MemberAddress, reply: Reply, progress: object = None) -> SentMessage:
        self.calls += 1
        if self.calls == 1:
            self.started.set()
            await self.release.wait()
            if self.first_ends is not None:
                raise self.first_ends
        return SentMessage(self.platform, to.user_id, f"post-{self.calls}")


async def only_row(db: Database) -> Delivery:
    async with db.uow() as uow:
        (row,) = (await uow.session.exec(select(Delivery))).all()
        return row


async def _late_first_send(services: Services, clock: FakeClock, messenger: SlowFirstSend) -> None:
    """d1 claims and starts sending; its lease runs out; d2 recovers, sends and records the row; then
    d1's send comes back."""
    services.messengers["console"] = messenger
    await materialise(services, 1)
    first = asyncio.create_task(Dispatcher(services, name="d1", lease=LEASE).run_once())
    await asyncio.wait_for(messenger.started.wait(), 5)
    clock.advance(LEASE + timedelta(minutes=1))
    assert await Dispatcher(services, name="d2", lease=LEASE).run_once() == 1
    assert (await only_row(services.db)).status == "sent"
    messenger.release.set()
    await asyncio.wait_for(first, 5)


async def test_a_late_failure_does_not_overwrite_the_newer_outcome(
        services: Services, clock: FakeClock) -> None:
    messenger = SlowFirstSend(platform="console", first_ends=DeliveryError("read timeout"))
    await _late_first_send(services, clock, messenger)
    row = await only_row(services.db)
    assert (row.status, row.message_ref.get("message_id"), row.last_error) == ("sent", "post-2", None)
    clock.advance(timedelta(hours=2))
    assert await Dispatcher(services, name="d3", lease=LEASE).run_once() == 0
    assert messenger.calls == 2  # the duplicate of an expired lease, never a third post


async def test_a_late_success_does_not_overwrite_the_newer_outcome(
        services: Services, clock: FakeClock) -> None:
    messenger = SlowFirstSend(platform="console")
    await _late_first_send(services, clock, messenger)
    row = await only_row(services.db)
    assert (row.status, row.message_ref.get("message_id")) == ("sent", "post-2")
    assert row.claimed_by is None and row.claim_token is None


async def test_each_claim_has_its_own_token(services: Services) -> None:
    await materialise(services, 3)
    first = await Dispatcher(services, name="a").claim(2)
    second = await Dispatcher(services, name="a").claim(2)
    tokens = {row.claim_token for row in first + second}
    assert len(first) == 2 and len(second) == 1
    assert None not in tokens and len(tokens) == 2  # one per claim, even under the same name


class BadReference(FakeMessenger):
    """Accepts every message after a moment; for ``bad`` returns a reference no database can store
    (an adapter bug), so writing that one outcome fails."""

    def __init__(self, bad: str) -> None:
        super().__init__(platform="console")
        self.bad = bad
        self.finished = 0

    async def send_direct(self, to: MemberAddress, reply: Reply, progress: object = None) -> SentMessage:
        await asyncio.sleep(0.02)
        self.finished += 1
        message_id: object = object() if to.user_id == self.bad else to.user_id
        return SentMessage(self.platform, to.user_id, message_id)  # type: ignore[arg-type]


async def test_a_failure_writing_one_outcome_does_not_cancel_the_others(services: Services) -> None:
    targets = await materialise(services, 10)
    messenger = BadReference(bad=f"U{targets[0].id}")
    services.messengers["console"] = messenger
    await asyncio.wait_for(Dispatcher(services, concurrency=10).run_once(), 10)
    assert messenger.finished == 10  # no send was cancelled
    async with services.db.uow() as uow:
        statuses = {row.target_id: row.status for row in (await uow.session.exec(select(Delivery))).all()}
    assert statuses.pop(targets[0].id) == "sending"  # recovered, and retried, once its lease expires
    assert set(statuses.values()) == {"sent"}  # written although they shared a batch with the bad one


class RateLimitedOnce(FakeMessenger):
    """The first send is answered "retry after ``seconds``"; the others are accepted."""

    def __init__(self, seconds: float) -> None:
        super().__init__(platform="console")
        self.seconds = seconds
        self.calls = 0

    async def send_direct(self, to: MemberAddress, reply: Reply, progress: object = None) -> SentMessage:
        self.calls += 1
        if self.calls == 1:
            raise DeliveryError("ratelimited", retry_after=self.seconds)
        return await super().send_direct(to, reply)


async def test_a_retry_after_longer_than_the_lease_releases_the_claims_instead_of_waiting(
        services: Services, clock: FakeClock) -> None:
    """Slack answers "retry after an hour": no claimed row waits for it while holding its claim; each
    goes back to the outbox, due when the platform allows, its attempt not counted."""
    messenger = RateLimitedOnce(3600)
    services.messengers["console"] = messenger
    await materialise(services, 4)
    limiter = RateLimiter({"console": Rate(1000.0, burst=1)})
    dispatcher = Dispatcher(services, concurrency=4, limiter=limiter, lease=LEASE)
    assert await asyncio.wait_for(dispatcher.run_once(), 5) == 4
    async with services.db.uow() as uow:
        rows = (await uow.session.exec(select(Delivery).order_by(Delivery.id))).all()
    assert messenger.calls == 1 and {row.status for row in rows} == {"pending"}
    assert {row.claim_token for row in rows} == {None}
    limited = [row for row in rows if row.attempts == 1]
    released = [row for row in rows if row.attempts == 0]
    assert len(limited) == 1 and len(released) == 3
    for row in rows:
        assert row.next_attempt_at is not None
        assert abs((row.next_attempt_at - clock.now()).total_seconds() - 3600) < 5


async def test_a_retry_after_is_capped(services: Services, clock: FakeClock) -> None:
    services.messengers["console"] = RateLimitedOnce(10 * 86400)  # "come back in ten days"
    await materialise(services, 1)
    await Dispatcher(services, max_backoff=timedelta(hours=1)).run_once()
    row = await only_row(services.db)
    assert (row.status, row.next_attempt_at) == ("pending", clock.now() + timedelta(hours=1))


class Hanging(FakeMessenger):
    """A platform that accepts the connection and never answers."""

    async def send_direct(self, to: MemberAddress, reply: Reply, progress: object = None) -> SentMessage:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_a_send_is_cut_short_before_its_lease_expires(services: Services) -> None:
    services.messengers["console"] = Hanging(platform="console")
    await materialise(services, 1)
    # the lease's last tenth is kept to record the outcome: 0.3 s here, room for a loaded machine's commit
    lease = timedelta(seconds=3)
    started = asyncio.get_running_loop().time()
    await asyncio.wait_for(Dispatcher(services, lease=lease).run_once(), 10)
    assert asyncio.get_running_loop().time() - started < lease.total_seconds()
    row = await only_row(services.db)
    assert (row.status, row.claim_token, row.attempts) == ("pending", None, 1)
    assert row.last_error is not None and "lease" in row.last_error
