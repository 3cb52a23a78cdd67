"""The member's overview (the Slack Home tab's content) shows what ``campaign list`` and ``question list``
show the same member: over several members and audiences — a campaign aimed at a group a member is not
in, one aimed at a private group, a draft — and questions routed, escalated and closed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.commands import Actor
from core.i18n import Translator
from core.overview import Overview, overview
from core.ports import FakeClock
from core.runtime.db import Database
from core.services import Services
from tests.conftest import actor
from tests.expert_support import import_demo

ANA, MANON, OLIVER = ("ana.martin@aurora.example", "manon.moreau@aurora.example",  # animators
                      "oliver.smith@aurora.example")
CAMILLE, LUCAS, SARAH = ("camille.durand@aurora.example", "lucas.bernard@aurora.example",  # admin, referents
                         "sarah.lambert@aurora.example")
EMILY, CHLOE, HUGO, GEORGE = ("emily.jones@aurora.example", "chloe.petit@aurora.example",
                              "hugo.lefebvre@aurora.example", "george.taylor@aurora.example")
EVERYONE = (ANA, MANON, OLIVER, CAMILLE, LUCAS, SARAH, EMILY, CHLOE, HUGO, GEORGE)
ID = re.compile(r"#(\d+)")


async def ok(who: Any, text: str) -> str:
    reply = await who.say(text)
    assert not reply.error, reply.text
    return str(reply.text)


async def campaign(who: Any, group: str, *, start: bool = True) -> int:
    """A one-off campaign aimed at ``group``, started unless it should stay a draft."""
    created = await ok(who, f"campaign new weekly-learning groups={group} recurrence=once")
    number = int(ID.findall(created)[0])
    if start:
        await ok(who, f"campaign start {number}")
    return number


@pytest.fixture
async def world(chat, db: Database, clock: FakeClock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Ana's public Data Science (Emily joined) with a running campaign and a draft; Manon's private
    Board (Chloé added) with a running campaign; Oliver's public Design (Hugo joined) with one too.
    Emily asked a Kubernetes question (routed to Hugo) and a physics one (escalated to Lucas); Chloé
    asked one and closed it."""
    await import_demo(db, clock)
    ana, manon, oliver = chat(ANA, "en"), chat(MANON, "en"), chat(OLIVER, "en")
    await ok(ana, "group create Data Science")
    await ok(chat(EMILY, "en"), "group join data-science")
    await ok(manon, "group create Board --private")
    await ok(manon, f"group add board {CHLOE}")
    await ok(oliver, "group create Design")
    await ok(chat(HUGO, "en"), "group join design")
    made = {"data": await campaign(ana, "data-science"),
            "draft": await campaign(ana, "data-science", start=False),
            "board": await campaign(manon, "board"), "design": await campaign(oliver, "design")}
    emily = chat(EMILY, "en")
    assert "Hugo Lefebvre" in await ok(emily, "ask How do I deploy a Python service on Kubernetes?")
    assert "referent" in await ok(emily, "ask Who can explain quantum chromodynamics lattice methods?")
    chloe = chat(CHLOE, "en")
    await ok(chloe, "ask What is the best way to plan a data migration project?")
    await ok(chloe, "question close 3")
    return made


def listed_ids(text: str) -> list[int]:
    return [int(number) for number in ID.findall(text)]


def question_parts(text: str) -> dict[str, list[int]]:
    """``question list``'s reply as its parts (by heading) and the question numbers in each."""
    t = Translator("en")
    headings = {t("question.list_mine"): "asked", t("question.list_assigned"): "assigned",
                t("question.list_escalated"): "escalated"}
    parts: dict[str, list[int]] = {"asked": [], "assigned": [], "escalated": []}
    for part in text.split("\n\n"):
        heading, _, lines = part.partition("\n")
        if heading in headings:
            parts[headings[heading]] = listed_ids(lines)
    return parts


def overview_parts(found: Overview) -> dict[str, list[int]]:
    return {"asked": [q.id for q in found.asked], "assigned": [q.id for q in found.assigned],
            "escalated": [q.id for q in found.escalated]}


def me(email: str) -> Actor:
    return actor(email, "en")


async def test_the_overview_shows_what_campaign_list_and_question_list_show(  # type: ignore[no-untyped-def]
        chat, world, services: Services) -> None:
    for email in EVERYONE:
        found = await overview(services, me(email))
        campaigns = await chat(email, "en").say("campaign list")
        assert [c.id for c in found.campaigns] == listed_ids(campaigns.text), email
        questions = await chat(email, "en").say("question list")
        assert overview_parts(found) == question_parts(questions.text), email
        assert [q.id for q in found.questions] == listed_ids(questions.text), email


async def test_each_member_sees_only_their_audiences(world, services: Services) -> None:  # type: ignore[no-untyped-def]
    """Not vacuous: the members above do see different campaigns and questions."""
    everything = sorted(world.values(), reverse=True)
    seen = {email: [c.id for c in (await overview(services, me(email))).campaigns] for email in EVERYONE}
    assert seen[CAMILLE] == everything, "an admin: every campaign"
    assert seen[ANA] == [world["draft"], world["data"]], "an animator: the campaigns she runs, no other's"
    assert seen[MANON] == [world["board"]] and seen[OLIVER] == [world["design"]]
    assert seen[EMILY] == [world["data"]], "Data Science's but not its draft (issue 19); not Design's"
    assert seen[CHLOE] == [world["board"]], "the private Board's"
    assert seen[HUGO] == [world["design"]]
    assert seen[GEORGE] == seen[LUCAS] == [], "in no group"

    questions = {email: overview_parts(await overview(services, me(email))) for email in EVERYONE}
    assert questions[EMILY] == {"asked": [1, 2], "assigned": [], "escalated": []}
    assert questions[HUGO] == {"asked": [], "assigned": [1], "escalated": []}
    assert questions[LUCAS] == {"asked": [], "assigned": [2], "escalated": []}
    assert questions[SARAH]["escalated"] == [2], "another referent sees the escalated question"
    assert questions[CHLOE] == {"asked": [], "assigned": [], "escalated": []}, "her closed question is gone"
    assert questions[GEORGE] == {"asked": [], "assigned": [], "escalated": []}


async def test_the_overview_names_the_members_groups_in_their_language(world, services: Services) -> None:  # type: ignore[no-untyped-def]
    found = await overview(services, actor(CHLOE))
    assert [group.name for group in found.groups] == ["Board"]
    assert found.locale == "en", "she chose nothing: her last platform locale (en above) is kept"
    found = await overview(services, actor(GEORGE))
    assert found.groups == ()
