"""The dispatcher: claims due rows, sends, records; retries, backs off, recovers crashed claims."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlmodel import select, update

from core.delivery.dispatcher import Dispatcher
from core.delivery.immediate import send_now
from core.delivery.outbox import Outgoing, Source, Target, addresses_of, enqueue
from core.delivery.ratelimit import Rate, RateLimiter, TokenBucket
from core.errors import DeliveryError
from core.messages import Reply
from core.ports import FakeClock, FakeMessenger, MemberAddress, Progress, SentMessage
from core.registry import Registry
from core.runtime.db import Database, UnitOfWork
from core.schema import Delivery, Member
from core.services import Services
from core.settings import Settings
from tests import delivery_support
from tests.delivery_support import PURPOSE, make_round


@pytest.fixture
def registry(registry: Registry) -> Registry:
    """The test's registry, with the test renderer of ``PURPOSE``."""
    delivery_support.register(registry)
    return registry


@dataclass
class ScriptedMessenger(FakeMessenger):
    """Fails the first sends with the given errors, then accepts."""

    errors: list[DeliveryError | Exception] = field(default_factory=list)
    calls: int = 0

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return await super().send_direct(to, reply, progress)


async def rows(db: Database) -> list[Delivery]:
    async with db.uow() as uow:
        return list((await uow.session.exec(select(Delivery).order_by(Delivery.id))).all())


async def materialise(services: Services, members: int, **kwargs: object) -> list[Target]:
    round_id, targets = await make_round(services.db, members, services.clock.now(), **kwargs)  # type: ignore[arg-type]
    async with services.db.uow() as uow:
        await enqueue(uow, Source("round", round_id), PURPOSE, targets, services.clock.now())
        await uow.commit()
    return targets


async def test_sends_each_due_row_once_and_records_the_reference(
        services: Services, messenger: FakeMessenger) -> None:
    targets = await materialise(services, 5)
    async with services.db.uow() as uow:
        round_id = (await rows(services.db))[0].round_id
        await enqueue(uow, Source("round", round_id), PURPOSE, [Target.channel("C9")], services.clock.now())
        later = services.clock.now() + timedelta(hours=1)
        await enqueue(uow, Source("round", round_id), "later", [Target.channel("C9")], later)
        await uow.commit()
    dispatcher = Dispatcher(services, concurrency=3)
    assert await dispatcher.run_once() == 6
    assert await dispatcher.run_once() == 0
    sent = {(kind, getattr(to, "user_id", getattr(to, "channel", None))) for kind, to, _ in messenger.sent}
    assert sent == {("direct", f"U{t.id}") for t in targets} | {("post", "C9")}
    assert len(messenger.sent) == 6
    done = await rows(services.db)
    assert [r.status for r in done] == ["sent"] * 6 + ["pending"]
    assert all(r.attempts == 1 and r.sent_at == services.clock.now() and r.claimed_by is None
               for r in done[:6])
    assert done[0].message_ref["platform"] == "console" and done[0].message_ref["message_id"]


async def test_renderer_none_skips_and_a_late_opt_out_is_honoured(
        services: Services, messenger: FakeMessenger) -> None:
    targets = await materialise(services, 2)
    async with services.db.uow() as uow:
        member = await uow.session.get(Member, targets[0].member_id)
        assert member is not None
        member.erased_at = services.clock.now()
        await uow.commit()
    await Dispatcher(services).run_once()
    assert [r.status for r in await rows(services.db)] == ["skipped", "sent"]
    assert len(messenger.sent) == 1


async def test_permanent_failure_is_not_retried(services: Services, clock: FakeClock) -> None:
    scripted = ScriptedMessenger(platform="console", errors=[DeliveryError("user_not_found", permanent=True)])
    services.messengers["console"] = scripted
    await materialise(services, 1)
    dispatcher = Dispatcher(services)
    await dispatcher.run_once()
    clock.advance(timedelta(days=1))
    await dispatcher.run_once()
    [row] = await rows(services.db)
    assert (row.status, row.last_error, row.attempts, scripted.calls) == ("failed", "user_not_found", 1, 1)


async def test_retry_after_is_honoured_and_pauses_the_limiter(services: Services, clock: FakeClock) -> None:
    scripted = ScriptedMessenger(platform="console", errors=[DeliveryError("ratelimited", retry_after=30)])
    services.messengers["console"] = scripted
    await materialise(services, 1)
    paused: list[tuple[str, str, float]] = []

    class Limiter:
        async def acquire(self, platform: str, tenant: str, channel: str | None = None, *,
                          budget: float | None = None) -> bool:
            return True

        def delay(self, platform: str, tenant: str, channel: str | None = None) -> float:
            return 0.0

        async def pause(self, platform: str, tenant: str, seconds: float,
                        channel: str | None = None) -> None:
            paused.append((platform, tenant, seconds))

    dispatcher = Dispatcher(services, limiter=Limiter())  # type: ignore[arg-type]
    await dispatcher.run_once()
    [row] = await rows(services.db)
    assert (row.status, row.next_attempt_at) == ("pending", clock.now() + timedelta(seconds=30))
    assert paused == [("console", "local", 30)]
    clock.advance(timedelta(seconds=29))
    assert await dispatcher.run_once() == 0
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.run_once() == 1
    [row] = await rows(services.db)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


async def test_transient_errors_back_off_exponentially_then_give_up(
        services: Services, clock: FakeClock) -> None:
    errors: list[DeliveryError | Exception] = [DeliveryError("timeout")] * 2
    errors += [RuntimeError("adapter bug")] * 5
    scripted = ScriptedMessenger(platform="console", errors=errors)
    services.messengers["console"] = scripted
    await materialise(services, 1)
    dispatcher = Dispatcher(services, max_attempts=4, base_backoff=timedelta(seconds=10),
                            rng=random.Random(1))
    delays = []
    for _ in range(4):
        before = clock.now()
        assert await dispatcher.run_once() == 1
        [row] = await rows(services.db)
        if row.status == "pending":
            assert row.next_attempt_at is not None
            delays.append((row.next_attempt_at - before).total_seconds())
            clock.current = row.next_attempt_at
    assert [5 <= delays[0] <= 10, 10 <= delays[1] <= 20, 20 <= delays[2] <= 40] == [True] * 3
    assert (row.status, row.attempts, scripted.calls) == ("failed", 4, 4)
    assert row.last_error is not None and row.last_error.startswith("gave up after 4 attempts: RuntimeError")


async def test_a_platform_without_messenger_fails_clearly(services: Services) -> None:
    await materialise(services, 1, platform="teams")
    await Dispatcher(services).run_once()
    [row] = await rows(services.db)
    assert (row.status, row.last_error) == ("failed", "no messenger for platform 'teams'")


async def test_stuck_sending_rows_are_recovered_after_the_lease(
        services: Services, clock: FakeClock, messenger: FakeMessenger) -> None:
    await materialise(services, 3)
    crashed = Dispatcher(services, name="crashed")
    claimed = await crashed.claim(2)  # claimed, then the process "died" before sending
    assert [r.status for r in await rows(services.db)] == ["sending", "sending", "pending"]
    dispatcher = Dispatcher(services, lease=timedelta(minutes=5))
    assert await dispatcher.run_once() == 1
    clock.advance(timedelta(minutes=4))
    assert await dispatcher.run_once() == 0
    clock.advance(timedelta(minutes=2))
    assert await dispatcher.run_once() == 2
    done = await rows(services.db)
    assert [r.status for r in done] == ["sent"] * 3
    assert [r.attempts for r in done] == [2, 2, 1] and len(claimed) == 2
    assert len(messenger.sent) == 3


async def test_claims_are_disjoint(services: Services) -> None:
    await materialise(services, 10)
    first = await Dispatcher(services, name="a").claim(4)
    second = await Dispatcher(services, name="b").claim(10)
    assert len(first) == 4 and len(second) == 6
    assert not {r.id for r in first} & {r.id for r in second}


async def test_an_unknown_purpose_fails_without_sending(services: Services, messenger: FakeMessenger) -> None:
    round_id, _ = await make_round(services.db, 0, services.clock.now())
    async with services.db.uow() as uow:
        await enqueue(uow, Source("round", round_id), "nobody.renders.this", [Target.channel("C1")],
                      services.clock.now())
        await uow.commit()
    await Dispatcher(services).run_once()
    [row] = await rows(services.db)
    assert row.status == "failed"
    assert row.last_error == "no renderer registered for purpose 'nobody.renders.this'"
    assert messenger.sent == []


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_concurrency_bounds_sends_in_flight(services: Services, concurrency: int) -> None:
    peak = 0
    current = 0

    class Slow(FakeMessenger):
        async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
            nonlocal peak, current
            current += 1
            peak = max(peak, current)
            await asyncio.sleep(0.005)
            current -= 1
            return await super().send_direct(to, reply, progress)

    services.messengers["console"] = Slow(platform="console")
    await materialise(services, 30)
    assert await Dispatcher(services, concurrency=concurrency).run_once() == 30
    # never more than ``concurrency`` in flight; with several workers, sends do overlap
    assert peak == 1 if concurrency == 1 else 1 < peak <= concurrency


async def test_sending_rows_are_not_claimed_again(services: Services) -> None:
    await materialise(services, 1)
    async with services.db.uow() as uow:
        await uow.session.exec(update(Delivery).values(status="sending", claimed_at=services.clock.now()))
        await uow.commit()
    assert await Dispatcher(services).claim(5) == []


class VirtualTime:
    """Monotonic seconds that move only when someone sleeps: pacing tests without waiting."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


def test_token_bucket_paces_after_its_burst_and_pauses_on_retry_after() -> None:
    time = VirtualTime()

    async def scenario() -> list[float]:
        bucket = TokenBucket(Rate(5.0, burst=2), now=time.now, sleep=time.sleep)
        stamps = []
        for _ in range(6):
            await bucket.acquire()
            stamps.append(round(time.t, 6))
        bucket.pause(3.0)
        await bucket.acquire()
        stamps.append(round(time.t, 6))
        return stamps

    assert asyncio.run(scenario()) == [0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 3.8]


async def test_limiter_keys_by_workspace_and_channel() -> None:
    time = VirtualTime()
    limiter = RateLimiter({"slack": Rate(10.0, burst=1)}, channel_rates={"slack": Rate(1.0, burst=1)},
                          now=time.now, sleep=time.sleep)
    await limiter.acquire("slack", "T1", "C1")
    await limiter.acquire("slack", "T2", "C1")  # another workspace: its own buckets
    assert time.t == 0.0
    await limiter.acquire("slack", "T1", "C2")  # same workspace: 1/10 s
    assert time.t == pytest.approx(0.1)
    await limiter.acquire("slack", "T1", "C1")  # same channel: 1 s after its first post
    assert time.t == pytest.approx(1.0)
    await limiter.acquire("console", "local")  # not paced
    await limiter.pause("slack", "T1", 5.0)
    await limiter.acquire("slack", "T1")
    assert time.t == pytest.approx(6.0)


async def test_dispatcher_sends_at_the_limiter_pace(services: Services) -> None:
    time = VirtualTime()
    stamps: list[float] = []

    class Stamping(FakeMessenger):
        async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
            stamps.append(time.t)
            return await super().send_direct(to, reply, progress)

    services.messengers["console"] = Stamping(platform="console")
    await materialise(services, 12)
    limiter = RateLimiter({"console": Rate(4.0, burst=2)}, now=time.now, sleep=time.sleep)
    assert await Dispatcher(services, concurrency=4, limiter=limiter).run_once() == 12
    assert len(stamps) == 12
    assert sorted(stamps) == pytest.approx([0.0, 0.0] + [0.25 * i for i in range(1, 11)])


async def test_a_batch_renderer_gets_the_claimed_rows_together(
        services: Services, messenger: FakeMessenger, registry: Registry) -> None:
    batches: list[int] = []

    async def render_all(uow: UnitOfWork, deliveries: list[Delivery],
                         settings: Settings) -> list[Outgoing | None]:
        batches.append(len(deliveries))
        addresses = await addresses_of(uow, (int(d.target_id) for d in deliveries))
        return [Outgoing(a, Reply(text="hi")) if (a := addresses.get(int(d.target_id))) else None
                for d in deliveries]

    registry.add_batch_renderer("test.batch", render_all)
    round_id, targets = await make_round(services.db, 9, services.clock.now())
    async with services.db.uow() as uow:
        erased = await uow.session.get(Member, targets[0].member_id)
        assert erased is not None
        erased.erased_at = services.clock.now()
        await enqueue(uow, Source("round", round_id), "test.batch", targets, services.clock.now())
        await uow.commit()
    assert await Dispatcher(services, concurrency=4).run_once() == 9
    assert sum(batches) == 9 and max(batches) > 1
    assert [r.status for r in await rows(services.db)] == ["skipped"] + ["sent"] * 8
    assert len(messenger.sent) == 8


async def test_a_batch_renderer_giving_the_wrong_count_retries_the_rows(services: Services,
                                                                       registry: Registry) -> None:
    async def render_none(uow: UnitOfWork, deliveries: list[Delivery],
                          settings: Settings) -> list[Outgoing | None]:
        return []

    registry.add_batch_renderer("test.broken", render_none)

    round_id, targets = await make_round(services.db, 2, services.clock.now())
    async with services.db.uow() as uow:
        await enqueue(uow, Source("round", round_id), "test.broken", targets, services.clock.now())
        await uow.commit()
    await Dispatcher(services).run_once()
    assert [(r.status, r.last_error) for r in await rows(services.db)] == [
        ("pending", "render failed: ValueError")] * 2


async def test_send_now_sends_the_given_rows_still_pending(services: Services,
                                                          messenger: FakeMessenger) -> None:
    """A command's rows go out right after its commit: only those given, and not one another
    dispatcher claimed first (it sends it)."""
    await materialise(services, 4)
    ids = [row.id for row in await rows(services.db)]
    (taken,) = await Dispatcher(services, name="other").claim(1)
    assert await send_now(services, [taken.id, ids[1], ids[2]]) == 2
    assert len(messenger.sent) == 2
    assert [r.status for r in await rows(services.db)] == ["sending", "sent", "sent", "pending"]
    assert await send_now(services, [ids[1]]) == 0  # sent already: nothing twice


async def test_send_now_does_not_keep_the_member_waiting_for_the_pace(
        services: Services, messenger: FakeMessenger, clock: FakeClock) -> None:
    """A command's messages go out at once if the pace allows; one that would have to wait goes back
    to the outbox (for the worker), so the member's reply is not held up by a rate limit."""
    await materialise(services, 2)
    ids = [row.id for row in await rows(services.db)]
    limiter = RateLimiter({"console": Rate.per_minute(1)})  # one now, the next in a minute
    started = asyncio.get_running_loop().time()
    assert await asyncio.wait_for(Dispatcher(services, limiter=limiter).send_now(ids), 10) == 2
    assert asyncio.get_running_loop().time() - started < 5
    first, second = await rows(services.db)
    assert (first.status, second.status, second.attempts) == ("sent", "pending", 0)
    assert second.next_attempt_at is not None and second.next_attempt_at > clock.now()
    assert len(messenger.sent) == 1
