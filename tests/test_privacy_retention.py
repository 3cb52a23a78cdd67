"""Retention (``[privacy] keep_events_days``, ``keep_texts_days``): the periodic job empties old texts
— questions, answers, campaign answers — keeps reused questions without their authors, deletes old
activity and its roll-up, and leaves every count that does not read a text."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlmodel import col, func, select

from core.privacy.retention import Pruned
from core.privacy.wiring import enforce_retention
from core.runtime.activity_log import activity_log
from core.schema import ActivityEvent, ActivityWeek, Answer, Question, Response
from core.settings import PrivacySettings
from tests.privacy_support import world


async def counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with db.uow() as uow:
        return {str(model.__tablename__): int((await uow.session.exec(
            select(func.count()).select_from(model))).one())
            for model in (ActivityEvent, ActivityWeek, Question, Answer, Response)}


async def test_texts_older_than_the_limit_are_emptied_and_reused_ones_kept_without_authors(  # type: ignore[no-untyped-def]
        chat, db, clock, services, messenger) -> None:
    await world(chat, db, clock, services, messenger)
    before = await counts(db)
    assert await enforce_retention(services) == Pruned(), "nothing old yet"
    clock.advance(timedelta(days=366))
    pruned = await enforce_retention(services)
    assert pruned.texts > 0 and pruned.authors > 0 and pruned.events == 0
    async with db.uow() as uow:
        questions = {q.id: q for q in (await uow.session.exec(select(Question))).all()}
        assert questions[1].reusable and questions[1].text and questions[1].asker_id is None
        assert questions[2].text == "", "answered long ago: its text is gone"
        assert questions[3].text and questions[3].status == "routed", "still waiting: untouched"
        answers = {a.question_id: a for a in (await uow.session.exec(select(Answer))).all()}
        assert answers[1].text and answers[1].author_id is None and answers[2].text == ""
        assert all(r.text is None for r in (await uow.session.exec(select(Response))).all())
        assert any(r.choice for r in (await uow.session.exec(select(Response))).all()), "choices stay"
    assert await counts(db) == before, "rows stay: every count stays true"
    again = await enforce_retention(services)
    assert (again.texts, again.authors) == (0, 0), "a second run finds nothing new"


async def test_activity_older_than_the_limit_is_deleted_with_its_weeks(chat, db, clock, services,  # type: ignore[no-untyped-def]
                                                                       messenger) -> None:
    await world(chat, db, clock, services, messenger)
    services.settings = replace(services.settings, privacy=PrivacySettings(keep_events_days=7))
    await chat("bob@example.com").say("help")   # an event of today, after the world's
    clock.advance(timedelta(days=3))
    await chat("bob@example.com").say("group list")
    await activity_log(db).flush()
    clock.advance(timedelta(days=6))             # the first events are now 9 days old, the last 6
    pruned = await enforce_retention(services)
    assert pruned.events > 0
    async with db.uow() as uow:
        oldest = (await uow.session.exec(select(func.min(ActivityEvent.at)))).one()
        assert oldest is not None and oldest >= clock.current - timedelta(days=7)
        weeks = (await uow.session.exec(select(ActivityWeek.week).order_by(col(ActivityWeek.week)))).all()
        assert weeks and all(week + timedelta(weeks=1) > clock.current - timedelta(days=7) for week in weeks)
