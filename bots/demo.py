"""The demo organisation: Aurora Industries, a made-up company of about thirty people.

``parvis demo`` seeds it into a SQLite file (migrated like any database) and opens the console chat as
one of its people: their directory (``prompts/demo/people.csv``, skills included, so ``expert find``
finds experts), then what they already do (``prompts/demo/activity.toml``: a few groups, one private, and
a campaign running), made through the chat commands as its people would type them.

Each demo person also gets a console identity, so what Parvis sends them (an
expert asked a question, a campaign prompt) shows in the chat instead of going nowhere. That is only
done here, in a database of made-up people: on a real database a console identity would take over
where a person's messages are delivered.
"""

from __future__ import annotations

import io
import tomllib
from datetime import timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from adapters.console.inbound import PLATFORM, TENANT
from core.campaigns.rounds import materialise_due
from core.campaigns.schedules import wall_of
from core.capabilities import build_registry
from core.commands import Action, Actor, Invocation
from core.commands.router import CommandRouter
from core.directory.identities import identify_by_email
from core.directory.importer import ImportReport, import_directory
from core.directory.members import Person
from core.governance import charter
from core.i18n import Translator
from core.messages import Reply
from core.ports import Clock, FakeClock, SystemClock
from core.registry import Registry
from core.runtime.db import Database
from core.services import Services
from core.settings import Settings
from core.text import slugify

DEMO_PERSON = "ana.martin@aurora.example"
OTHER_EXAMPLES = ("camille.durand@aurora.example", "oliver.smith@aurora.example")


def people_csv() -> Traversable:
    """The demo directory, found through the package (works after a normal install)."""
    return resources.files("prompts").joinpath("demo", "people.csv")


async def seed(db: Database, charter_dir: str | None = None, *, settings: Settings | None = None,
               clock: Clock | None = None) -> ImportReport:
    """Import the demo people (idempotent), give each a console identity, have each accepted the
    usage charter (``charter`` still shows it), then seed what they do (``seed_activity``, once), so the
    demo starts with what Parvis does."""
    clock = clock or SystemClock()
    with people_csv().open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
        report = await import_directory(db, handle)
    await identify_by_email(db, PLATFORM, TENANT)
    await charter.accepted_by_everyone(db, charter.load(charter_dir).version, clock.now())
    await seed_activity(db, settings or Settings(), clock)
    return report


def activity() -> dict[str, Any]:
    source = resources.files("prompts").joinpath("demo", "activity.toml")
    return tomllib.loads(source.read_text(encoding="utf-8"))


class _Seeder:
    """Types the demo's commands as its people, through the router every platform uses."""

    def __init__(self, services: Services, registry: Registry) -> None:
        self.router = CommandRouter(services, registry)

    @staticmethod
    def actor(email: str) -> Actor:
        return Actor(platform=PLATFORM, tenant=TENANT, user_id=email, email=email)

    async def say(self, email: str, text: str) -> Reply:
        reply = await self.router.handle(Invocation(actor=self.actor(email), text=text))
        if reply.error:
            raise RuntimeError(f"demo seed: {email}: {text!r} was refused: {reply.text}")
        return reply

    async def submit(self, email: str, form: Reply, **values: str) -> Reply:
        assert form.form is not None
        filled = {field.name: field.initial for field in form.form.inputs} | values
        reply = await self.router.act(Action(actor=self.actor(email), action_id=form.form.action_id,
                                             value=form.form.value, values=filled))
        if reply.error:
            raise RuntimeError(f"demo seed: the campaign form was refused: {reply.text}")
        return reply


async def seed_activity(db: Database, settings: Settings, clock: Clock) -> None:
    """The groups and the running campaign of ``prompts/demo/activity.toml``, unless its first group is
    there already (a kept demo database).

    The campaign starts two minutes ago: it is made and started as if five minutes ago (a start may not
    be in the past), then its first round is created now, so it is running, and its prompt is in the outbox
    for the console to show."""
    plan, now = activity(), clock.now()
    then = FakeClock(now - timedelta(minutes=5))
    registry = build_registry()
    seeder = _Seeder(Services(db=db, renderers=registry, clock=then, messengers={}, settings=settings),
                     registry)
    first = plan["groups"][0]
    if first["name"] in (await seeder.say(first["owner"], "group list")).text:
        return  # a kept demo database: seeded already
    for group in plan["groups"]:
        private = " --private" if group.get("private") else ""
        await seeder.say(group["owner"], f"group create {group['name']}{private} -- {group['description']}")
        named = slugify(group["name"])  # names the group, private (its slug has a suffix) or not
        for email in group.get("members", []):
            await seeder.say(email, f"group join {named}")
        for email in group.get("added", []):
            await seeder.say(group["owner"], f"group add {named} {email}")
    wanted = plan["campaign"]
    form = await seeder.say(wanted["animator"], f"campaign new {wanted['template']}")
    start = wall_of(now - timedelta(minutes=2), wanted["timezone"])
    created = await seeder.submit(wanted["animator"], form, groups=wanted["groups"],
                                  recurrence=wanted["recurrence"], timezone=wanted["timezone"],
                                  start=start.date().isoformat(), time=f"{start:%H:%M}")
    await seeder.say(wanted["animator"], f"campaign start {created.buttons[0].value}")
    then.current = now
    await materialise_due(seeder.router.services)


def welcome(member: Person, count: int, kept: str | None) -> Reply:
    """The greeting of ``parvis demo``, in the person's language, with commands to try."""
    t = Translator(member.locale)
    other = OTHER_EXAMPLES[0] if member.email != OTHER_EXAMPLES[0] else OTHER_EXAMPLES[1]
    lines = [t("demo.welcome", name=member.display_name, title=member.title or "—", count=count),
             t("demo.kept", path=kept) if kept else t("demo.throwaway"), "",
             t("demo.try_these"), t("demo.examples"), "",
             t("demo.others", email=other)]
    return Reply(text="\n".join(lines), title="Parvis", locale=t.locale)
