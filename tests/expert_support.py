"""The demo organisation (prompts/demo/people.csv) imported into the test database, with a console
identity for everyone so that questions routed to them reach the FakeMessenger, as in ``parvis demo``."""

from __future__ import annotations

import io
from importlib import resources

from sqlmodel import col, select

from core.directory.importer import import_directory
from core.markup import plain
from core.messages import Reply
from core.ports import FakeClock, FakeMessenger, MemberAddress
from core.runtime.db import Database
from core.schema import Identity, Member, Question, QuestionRoute


def demo_csv() -> str:
    return resources.files("prompts").joinpath("demo", "people.csv").read_text(encoding="utf-8")


async def import_demo(db: Database, clock: FakeClock) -> dict[str, int]:
    """Import the demo people; returns e-mail → member id."""
    report = await import_directory(db, io.StringIO(demo_csv(), newline=""), clock=clock)
    assert report.errors == []
    async with db.uow() as uow:
        members = (await uow.session.exec(select(Member))).all()
        for member in members:
            assert member.id is not None and member.email
            uow.session.add(Identity(platform="console", tenant="local", user_id=member.email,
                                     member_id=member.id))
        ids = {m.email: m.id for m in members if m.email and m.id}
        await uow.commit()
    return ids


def directs(messenger: FakeMessenger, email: str) -> list[Reply]:
    """The direct messages sent to ``email`` so far."""
    return [reply for kind, to, reply in messenger.sent
            if kind == "direct" and isinstance(to, MemberAddress) and to.user_id == email]


def names_in(reply: Reply) -> list[str]:
    """The expert names of an ``expert find`` reply, in order."""
    return [plain(section.text).split("\n")[0].split(" — ")[0] for section in reply.sections]


async def question_row(db: Database, question_id: int = 1) -> Question:
    async with db.uow() as uow:
        found = await uow.session.get(Question, question_id)
        assert found is not None
        return found


async def routes(db: Database, question_id: int = 1) -> list[tuple[int | None, str | None]]:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(QuestionRoute).where(QuestionRoute.question_id == question_id)
                                       .order_by(col(QuestionRoute.id)))).all()
        return [(r.expert_id, r.outcome) for r in rows]
