"""The demo organisation: Aurora Industries, a made-up company of about thirty people.

``parvis demo`` seeds it into a SQLite file (migrated like any database) and opens the console chat as
one of its people. Each demo person also gets a console identity, so what Parvis sends them (an
expert asked a question, a campaign prompt) shows in the chat instead of going nowhere. That is only
done here, in a database of made-up people: on a real database a console identity would take over
where a person's messages are delivered.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from sqlmodel import col, select

from adapters.console.inbound import PLATFORM, TENANT
from core.directory.importer import ImportReport, import_directory
from core.i18n import Translator
from core.messages import Reply
from core.runtime.db import Database
from core.schema import Identity, Member

DEMO_PERSON = "ana.martin@aurora.example"
OTHER_EXAMPLES = ("camille.durand@aurora.example", "oliver.smith@aurora.example")


def people_csv() -> Traversable:
    """The demo directory, found through the package (works after a normal install)."""
    return resources.files("prompts").joinpath("demo", "people.csv")


async def seed(db: Database) -> ImportReport:
    """Import the demo people (idempotent) and give each a console identity."""
    with people_csv().open("r", encoding="utf-8-sig", newline="") as handle:
        report = await import_directory(db, handle)
    async with db.uow() as uow:
        known = set((await uow.session.exec(select(Identity.member_id).where(
            Identity.platform == PLATFORM, Identity.tenant == TENANT))).all())
        members = (await uow.session.exec(select(Member).where(col(Member.email).is_not(None)))).all()
        for member in members:
            if member.id not in known and member.email:
                uow.session.add(Identity(platform=PLATFORM, tenant=TENANT, user_id=member.email,
                                         member_id=member.id))
        await uow.commit()
    return report


async def head_count(db: Database) -> int:
    async with db.uow() as uow:
        return len((await uow.session.exec(select(Member.id))).all())


def welcome(member: Member, count: int, kept: str | None) -> Reply:
    """The greeting of ``parvis demo``, in the person's language, with commands to try."""
    t = Translator(member.locale)
    other = OTHER_EXAMPLES[0] if member.email != OTHER_EXAMPLES[0] else OTHER_EXAMPLES[1]
    lines = [t("demo.welcome", name=member.display_name, title=member.title or "—", count=count),
             t("demo.kept", path=kept) if kept else t("demo.throwaway"), "",
             t("demo.try_these"), t("demo.examples"), "",
             t("demo.others", email=other)]
    return Reply(text="\n".join(lines), title="Parvis", locale=t.locale)
