"""The permission table (``core/access/table.py``), walked row by row through the real router.

Every command and action the registry holds must have a row (a new command without one fails here,
and the router refuses it to everyone); for every row and every role, the router refuses exactly
what the row refuses, with the row's message, and ``help`` lists exactly what it allows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.access.describe import as_markdown
from core.access.rules import ADMIN, MEMBER, RELATIONS, Grant, Rule, permits, usable
from core.access.table import PLANNED, SEEING, TABLE
from core.capabilities import build_registry
from core.commands import Action, Invocation
from core.commands.grammar import Command
from core.commands.router import CommandRouter
from core.directory.models import ROLES
from core.groups import lookup
from core.i18n import LOCALES, Translator, catalog
from core.runtime.db import Database
from core.schema import Group, GroupMember, Member
from tests.conftest import actor, give_role

REGISTRY = build_registry()
COMMANDS = {command.name: command for command in REGISTRY.commands.values()}
ACTIONS = set(REGISTRY.actions)
#: one member per role (``member``: no role at all)
PEOPLE = {role: f"{role}@example.com" for role in ROLES}


def test_every_command_and_action_has_a_row_and_every_row_a_command() -> None:
    registered = set(COMMANDS) | ACTIONS
    assert registered - set(TABLE) == set(), "add these to core/access/table.py"
    assert set(TABLE) - registered == set(), "rows naming nothing registered: remove them, or move to PLANNED"
    assert set(PLANNED).isdisjoint(registered), "a planned row whose command exists belongs in TABLE"


@pytest.mark.parametrize("rule", [*TABLE.values(), *SEEING.values(), *PLANNED.values()])
def test_rows_name_known_roles_relations_and_messages(rule: Rule) -> None:
    for grant in rule.grants:
        assert grant.role in ROLES and (grant.relation is None or grant.relation in RELATIONS)
    for locale in LOCALES:
        assert rule.denied in catalog(locale)


def test_admins_hold_every_role_and_everyone_is_a_member() -> None:
    animators = Rule((Grant("animator"),))
    owners = Rule((Grant(MEMBER, "owner"),))
    assert permits({ADMIN}, animators) and not permits(set(), animators)
    assert permits(set(), owners, {"owner"}) and not permits({ADMIN}, owners), "a relation is no role"
    assert usable(set(), owners) and not usable({"moderator"}, animators)


async def _people(db: Database, chat: Any) -> None:
    for role, email in PEOPLE.items():
        await chat(email).say("lang en")
        if role != MEMBER:
            await give_role(db, email, role)


def _refusal(rule: Rule) -> str:
    return Translator("en")(rule.denied)


@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_the_router_and_help_follow_each_command_row(  # type: ignore[no-untyped-def]
        name: str, chat, db, router: CommandRouter) -> None:
    """For each role: refused before the handler, with the row's words, exactly when no grant of
    the row is open to that role; listed by ``help`` exactly when one is."""
    await _people(db, chat)
    command, rule = COMMANDS[name], TABLE[name]
    t = Translator("en")
    line = f"`{t(command.usage)}` — {t(command.summary)}"
    for role, email in PEOPLE.items():
        roles = {role} - {MEMBER}
        text = " ".join([name, *["1"] * command.min_args])
        reply = await router.handle(Invocation(actor=actor(email), text=text))
        refused = reply.error and reply.text.startswith(_refusal(rule))
        assert refused is not usable(roles, rule), (role, reply.text)
        listed = line in (await chat(email).say("help")).text
        assert listed is usable(roles, rule), (role, "help")


@pytest.mark.parametrize("prefix", sorted(ACTIONS))
async def test_the_router_follows_each_action_row(prefix: str, chat, db, router: CommandRouter) -> None:  # type: ignore[no-untyped-def]
    await _people(db, chat)
    rule = TABLE[prefix]
    for role, email in PEOPLE.items():
        reply = await router.act(Action(actor=actor(email), action_id=f"{prefix}:1", value="1"))
        refused = reply.error and reply.text.startswith(_refusal(rule))
        assert refused is not usable({role} - {MEMBER}, rule), (role, reply.text)


async def test_a_command_without_a_row_is_refused_to_everyone(chat, db, registry, router) -> None:  # type: ignore[no-untyped-def]
    async def ping(ctx: Any, args: Any) -> Any:
        raise AssertionError("a command without a row must not run")

    registry.add_command(Command(("ping",), ping))
    await _people(db, chat)
    reply = await router.handle(Invocation(actor=actor(PEOPLE[ADMIN]), text="ping"))
    assert reply.error and reply.text == Translator("en")("errors.forbidden")


async def test_help_of_an_area_closed_to_the_member_says_so(chat, db) -> None:  # type: ignore[no-untyped-def]
    await _people(db, chat)
    closed = await chat(PEOPLE[MEMBER]).say("help role")
    assert closed.error and "None of the `role` commands" in closed.text
    assert "role grant" in (await chat(PEOPLE[ADMIN]).say("help role")).text
    assert "`campaign new" not in (await chat(PEOPLE[MEMBER]).say("help campaign")).text
    assert "`campaign new" in (await chat(PEOPLE["animator"]).say("help campaign")).text


async def test_the_sql_of_visible_groups_is_the_seeing_row(db: Database) -> None:
    """``lookup.visible_groups`` (SQL, for lists) and ``lookup.can_see`` (the table) agree, for a
    member, an outsider and an admin, over public and private groups."""
    async with db.uow() as uow:
        people = [Member(email=f"p{n}@example.com") for n in range(3)]
        uow.session.add_all(people)
        await uow.session.flush()
        groups = [Group(slug=f"g{n}", name=f"G{n}", visibility=v) for n, v in
                  enumerate(("public", "private", "private"))]
        uow.session.add_all(groups)
        await uow.session.flush()
        assert people[0].id is not None and groups[1].id is not None
        uow.session.add(GroupMember(group_id=groups[1].id, member_id=people[0].id, role="owner"))
        await uow.session.flush()
        seen = {}
        for person, admin in ((people[0], False), (people[1], False), (people[2], True)):
            assert person.id is not None
            viewer = lookup.Viewer(person.id, admin)
            listed = {group.slug for group in await lookup.visible_groups(uow, viewer)}
            asked = {group.slug for group in groups if await lookup.can_see(uow, group, viewer)}
            assert listed == asked
            seen[person.email] = listed
    assert seen == {"p0@example.com": {"g0", "g1"}, "p1@example.com": {"g0"},
                    "p2@example.com": {"g0", "g1", "g2"}}


def test_the_readme_says_what_the_table_says() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    found = readme.split("<!-- permissions:begin -->\n", 1)[1].split("\n<!-- permissions:end -->", 1)[0]
    assert found == as_markdown(), "README “Who may do what” is out of date: paste describe.as_markdown()"
