"""The demo organisation: Aurora Industries, a made-up company of about thirty people.

``parvis demo`` seeds it into a SQLite file (migrated like any database) and opens the console chat as
one of its people. Each demo person also gets a console identity, so what Parvis sends them (an
expert asked a question, a campaign prompt) shows in the chat instead of going nowhere. That is only
done here, in a database of made-up people: on a real database a console identity would take over
where a person's messages are delivered.
"""

from __future__ import annotations

import io
from importlib import resources
from importlib.resources.abc import Traversable

from adapters.console.inbound import PLATFORM, TENANT
from core.directory.identities import identify_by_email
from core.directory.importer import ImportReport, import_directory
from core.directory.members import Person
from core.governance import charter
from core.i18n import Translator
from core.messages import Reply
from core.ports import SystemClock
from core.runtime.db import Database

DEMO_PERSON = "ana.martin@aurora.example"
OTHER_EXAMPLES = ("camille.durand@aurora.example", "oliver.smith@aurora.example")


def people_csv() -> Traversable:
    """The demo directory, found through the package (works after a normal install)."""
    return resources.files("prompts").joinpath("demo", "people.csv")


async def seed(db: Database, charter_dir: str | None = None) -> ImportReport:
    """Import the demo people (idempotent), give each a console identity, and have each accepted the
    usage charter (``charter`` still shows it), so the demo starts with what Parvis does."""
    with people_csv().open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        report = await import_directory(db, handle)
    await identify_by_email(db, PLATFORM, TENANT)
    await charter.accepted_by_everyone(db, charter.load(charter_dir).version, SystemClock().now())
    return report


def welcome(member: Person, count: int, kept: str | None) -> Reply:
    """The greeting of ``parvis demo``, in the person's language, with commands to try."""
    t = Translator(member.locale)
    other = OTHER_EXAMPLES[0] if member.email != OTHER_EXAMPLES[0] else OTHER_EXAMPLES[1]
    lines = [t("demo.welcome", name=member.display_name, title=member.title or "—", count=count),
             t("demo.kept", path=kept) if kept else t("demo.throwaway"), "",
             t("demo.try_these"), t("demo.examples"), "",
             t("demo.others", email=other)]
    return Reply(text="\n".join(lines), title="Parvis", locale=t.locale)
