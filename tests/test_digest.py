"""The weekly digest (``[analytics] digest``): each animator and admin gets last week's figures at the
configured day and time in their own time zone, through the outbox — once per week whatever runs the
job how often, nothing to who lost the role or was erased, in the recipient's language, and nothing
at all unless configured."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlmodel import col, select, update

from bots.config import load_config
from core.delivery.dispatcher import Dispatcher
from core.errors import ConfigError
from core.ports import FakeClock, FakeMessenger, MemberAddress
from core.runtime.activity_log import activity_log
from core.schema import Delivery, Member, MemberRole
from core.services import Services
from core.settings import AnalyticsSettings, DigestTime
from core.stats.digest import enqueue_due, parse_when, week_label
from tests.conftest import TEST_SETTINGS, give_role

MONDAY_9 = DigestTime(weekday=0, at=time(9, 0))
PARIS, NEW_YORK = "ana@example.com", "bob@example.com"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def digest_on(services: Services, when: DigestTime | None = MONDAY_9) -> None:
    services.settings = replace(TEST_SETTINGS, analytics=AnalyticsSettings(digest=when))


async def lives_in(services: Services, email: str, zone: str, locale: str = "en") -> None:
    async with services.db.uow() as uow:
        await uow.session.exec(update(Member).where(col(Member.email) == email)  # type: ignore[call-overload]
                               .values(timezone=zone, locale=locale))
        await uow.commit()


async def staff(services: Services, chat: object) -> None:
    """Ana, animator in Paris; Bob, admin in New York; Zoe, a member, in Paris."""
    for email in (PARIS, NEW_YORK, "zoe@example.com"):
        await chat(email).say("help")  # type: ignore[operator]
    await give_role(services.db, PARIS, "animator")
    await give_role(services.db, NEW_YORK, "admin")
    await lives_in(services, PARIS, "Europe/Paris")
    await lives_in(services, NEW_YORK, "America/New_York")
    await lives_in(services, "zoe@example.com", "Europe/Paris")


def digests(messenger: FakeMessenger) -> list[tuple[str, str]]:
    """(recipient, title) of every digest sent."""
    return [(to.user_id, reply.title or "") for kind, to, reply in messenger.sent
            if kind == "direct" and isinstance(to, MemberAddress)
            and any(word in (reply.title or "") for word in ("weekly digest", "bilan de la semaine"))]


async def rows(services: Services) -> list[Delivery]:
    async with services.db.uow() as uow:
        return list((await uow.session.exec(select(Delivery).where(Delivery.purpose == "stats.digest")
                                             .order_by(col(Delivery.id)))).all())


async def run(services: Services) -> int:
    """What the worker does: the digest job, then the dispatcher."""
    written = await enqueue_due(services)
    await Dispatcher(services).run_once()
    return written


def test_the_setting_reads_days_and_times_in_english_and_french() -> None:
    assert parse_when("monday 09:00") == MONDAY_9
    assert parse_when("  Mon 9:00 ") == MONDAY_9
    assert parse_when("Vendredi 17h30") == DigestTime(4, time(17, 30))
    assert parse_when("dimanche 8h") == DigestTime(6, time(8, 0))
    assert parse_when("") is None and parse_when("   ") is None
    for bad in ("monday", "09:00", "funday 09:00", "monday 25:00", "monday 09:75", "every monday 9:00"):
        with pytest.raises(ValueError, match="monday 09:00"):
            parse_when(bad)


def test_a_bad_value_stops_the_start_naming_the_key_and_an_example(tmp_path: Path) -> None:
    path = tmp_path / "parvis.toml"
    path.write_text('[analytics]\ndigest = "mondays at nine"\n')
    with pytest.raises(ConfigError) as refused:
        load_config(path, env={})
    assert "analytics.digest" in str(refused.value) and '"monday 09:00"' in str(refused.value)
    path.write_text('[analytics]\ndigest = "lundi 9h"\n')
    assert load_config(path, env={}).settings().analytics.digest == MONDAY_9
    for off in ("", "[analytics]\n", '[analytics]\ndigest = ""\n'):
        path.write_text(off)
        assert load_config(path, env={}).settings().analytics.digest is None


async def test_off_by_default(services: Services, clock: FakeClock, chat: object,
                              messenger: FakeMessenger) -> None:
    await staff(services, chat)
    clock.current = at("2026-12-07T20:00")  # Monday evening everywhere
    assert services.settings.analytics.digest is None
    assert await run(services) == 0
    assert await rows(services) == [] and digests(messenger) == []


async def test_each_gets_theirs_at_nine_in_their_own_time_zone(
        services: Services, clock: FakeClock, chat: object, messenger: FakeMessenger) -> None:
    await staff(services, chat)
    digest_on(services)
    clock.current = at("2026-12-07T07:55")   # 08:55 in Paris
    assert await run(services) == 0
    clock.current = at("2026-12-07T08:00")   # 09:00 in Paris, 03:00 in New York
    assert await run(services) == 1
    assert digests(messenger) == [(PARIS, "Your weekly digest: November 30, 2026 to December 6, 2026")]
    clock.current = at("2026-12-07T13:55")   # 08:55 in New York
    assert await run(services) == 0
    clock.current = at("2026-12-07T14:05")   # 09:05 in New York
    assert await run(services) == 1
    assert [who for who, _ in digests(messenger)] == [PARIS, NEW_YORK]  # Zoe, a member, gets none
    assert {(row.source, row.status) for row in await rows(services)} == {("digest:2026-W50", "sent")}
    clock.current = at("2026-12-14T08:00")   # the next Monday: next week's digest, last week's figures
    assert await run(services) == 1
    assert digests(messenger)[-1] == (PARIS, "Your weekly digest: December 7, 2026 to December 13, 2026")


async def test_a_week_s_digest_is_written_once_however_often_and_wherever_the_job_runs(
        services: Services, clock: FakeClock, chat: object, messenger: FakeMessenger) -> None:
    await staff(services, chat)
    digest_on(services)
    clock.current = at("2026-12-09T12:00")   # Wednesday: both are past their Monday 09:00
    other = Services(db=services.db, renderers=services.renderers, clock=clock, settings=services.settings,
                     messengers=services.messengers)   # a second process on the same database
    written = await asyncio.gather(enqueue_due(services), enqueue_due(other), enqueue_due(services))
    assert sum(written) == 2
    assert await enqueue_due(other) == 0
    await Dispatcher(services).run_once()
    await Dispatcher(other).run_once()
    assert sorted(who for who, _ in digests(messenger)) == [PARIS, NEW_YORK]
    clock.current = at("2026-12-13T23:59")   # still the same week in both zones: nothing more
    assert await run(services) == 0 and len(digests(messenger)) == 2
    assert week_label(clock.current.date()) == "2026-W50"


async def test_who_lost_the_role_or_was_erased_before_the_send_is_skipped(
        services: Services, clock: FakeClock, chat: object, messenger: FakeMessenger) -> None:
    await staff(services, chat)
    digest_on(services)
    clock.current = at("2026-12-07T20:00")
    assert await enqueue_due(services) == 2                     # written while both held their role
    async with services.db.uow() as uow:
        await uow.session.exec(update(MemberRole).where(col(MemberRole.role) == "animator")  # type: ignore[call-overload]
                               .values(role="referent"))
        await uow.session.exec(update(Member).where(col(Member.email) == NEW_YORK)  # type: ignore[call-overload]
                               .values(erased_at=clock.current))
        await uow.commit()
    await Dispatcher(services).run_once()
    assert digests(messenger) == []
    assert {row.status for row in await rows(services)} == {"skipped"}
    assert await enqueue_due(services) == 0                     # and none written for them again


async def test_in_the_recipient_s_language_of_the_moment(
        services: Services, clock: FakeClock, chat: object, messenger: FakeMessenger) -> None:
    await staff(services, chat)
    digest_on(services, DigestTime(weekday=0, at=time(9, 0)))
    clock.current = at("2026-12-07T08:30")
    assert await enqueue_due(services) == 1
    await lives_in(services, PARIS, "Europe/Paris", locale="fr")   # changed after the row was written
    await Dispatcher(services).run_once()
    ((_, to, reply),) = messenger.sent
    assert reply.locale == "fr"
    assert reply.title == "Votre bilan de la semaine : du 30 novembre 2026 au 6 décembre 2026"
    assert "Membres actifs la semaine dernière" in reply.text and "semaine" in (reply.context or "")
    assert reply.image is not None and reply.image.png.startswith(b"\x89PNG")
    assert isinstance(to, MemberAddress) and to.user_id == PARIS


async def test_the_figures_are_last_week_s(services: Services, clock: FakeClock, chat: object,
                                           messenger: FakeMessenger) -> None:
    """Ana and Zoe used Parvis in the week of 30 November; Bob the week before, then this week."""
    clock.current = at("2026-11-25T10:00")
    await chat(NEW_YORK).say("help")  # type: ignore[operator]
    clock.current = at("2026-12-02T10:00")
    for email in (PARIS, "zoe@example.com"):
        await chat(email).say("help")  # type: ignore[operator]
    await give_role(services.db, PARIS, "animator")
    await give_role(services.db, NEW_YORK, "admin")
    clock.current = at("2026-12-07T15:00")
    await chat(NEW_YORK).say("help")  # type: ignore[operator]
    await activity_log(services.db).flush()
    digest_on(services)
    await run(services)
    texts = {to.user_id: reply.text for _, to, reply in messenger.sent if isinstance(to, MemberAddress)}
    assert set(texts) == {PARIS, NEW_YORK}
    assert "**Active members last week**: 2 of 3 (67 %)." in texts[PARIS]
    assert texts[PARIS] == texts[NEW_YORK]
