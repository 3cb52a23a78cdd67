"""Curated synonyms in chat (``expert synonym add|remove|list``): who may, what is refused and how it
is said, the audit trail, and that a synonym works at once in another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import AuditEntry, SkillAlias
from tests.conftest import give_role
from tests.expert_support import import_demo, names_in

ROOT = Path(__file__).resolve().parent.parent
REFERENT = "lucas.bernard@aurora.example"  # a referent in prompts/demo/people.csv
MEMBER = "chloe.petit@aurora.example"


async def test_a_referent_adds_lists_and_removes_a_synonym(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    lucas, chloe = chat(REFERENT, "en"), chat(MEMBER, "fr")
    before = await chloe.say("expert find snek")
    assert not before.sections
    added = await lucas.say('expert synonym add "Snek" = Python')
    assert not added.error and "“snek” means **python**" in added.text, added.text
    found = await chloe.say("expert find snek")
    assert "Ana Martin" in names_in(found), "effective at once, for everyone"
    assert "Ana Martin" in names_in(await chloe.say("expert find snekk")), "typos, as for every name"
    listed = await lucas.say("expert synonym list python")
    assert listed.title == "Synonyms of python"
    assert "snek (March 2, 2026)" in listed.text and "python3" in listed.text
    removed = await lucas.say("expert synonym remove SNEK")
    assert "“snek” no longer means python" in removed.text
    assert not (await chloe.say("expert find snek")).sections
    async with db.uow() as uow:
        audit = (await uow.session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    trail = [(a.action, a.target, a.detail.get("skill")) for a in audit if a.action.startswith("skill.")]
    assert trail == [("skill.synonym_add", "snek", "python"), ("skill.synonym_remove", "snek", "python")]


async def test_members_cannot_curate_and_admins_can(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    refused = await chat(MEMBER, "en").say("expert synonym add snek = python")
    assert refused.error and "Only referents and admins" in refused.text
    assert (await chat(MEMBER, "fr").say("expert misses")).error
    await give_role(db, MEMBER, "admin")
    allowed = await chat(MEMBER, "en").say("expert synonym add snek = python")
    assert not allowed.error
    async with db.uow() as uow:
        assert (await uow.session.exec(select(SkillAlias.alias))).all() == ["snek"]


async def test_bad_input_gets_a_clear_message(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    lucas = chat(REFERENT, "en")

    async def says(text: str) -> str:
        reply = await lucas.say(text)
        assert reply.error, (text, reply.text)
        return reply.text

    assert "Did you mean: kubernetes" in await says("expert synonym add kube-cluster = kubernettes-x")
    assert "I don't know the skill “quantum basket”" in await says("expert synonym add qb = quantum basket")
    assert "already means another skill, kubernetes" in await says("expert synonym add k8s = python")
    assert "already means another skill, docker" in await says("expert synonym add docker = python")
    assert "“ML” already means machine learning" in await says("expert synonym add ML = machine learning")
    assert "One side of `=` is empty" in await says("expert synonym add = python")
    assert "One side of `=` is empty" in await says("expert synonym add snek =")
    assert "then `=`" in await says("expert synonym add snek python")
    assert "a word of every sentence" in await says("expert synonym add the = python")
    assert "no letters or digits" in await says("expert synonym add !!! = python")
    assert "shipped with Parvis" in await says("expert synonym remove k8s")
    assert "not a synonym of any skill" in await says("expert synonym remove snek")
    assert "Did you mean `expert synonym add`" in await says("expert synonym ad snek = python")
    assert "needs more" in await says("expert synonym list")
    await lucas.say("expert synonym add snek = python")
    assert "already means another skill, python" in await says("expert synonym add snek = docker")
    assert "Did you mean: python" in await says("expert synonym list pyhtonn")
    fr = await chat(REFERENT, "fr").say("expert synonym add snek = docker")
    assert fr.error and "désigne déjà une autre compétence, python" in fr.text


async def test_a_shipped_skill_nobody_declared_can_get_a_synonym(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock) -> None:
    await import_demo(db, clock)
    reply = await chat(REFERENT, "fr").say("expert synonym add danois = dutch")
    assert not reply.error and "**dutch**" in reply.text
    listed = await chat(REFERENT, "en").say("expert synonym list néerlandais")
    assert listed.title == "Synonyms of dutch" and "danois" in listed.text


def _start(url: str, email: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-m", "tests.chat_process", url, email], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def _ask(process: subprocess.Popen[str], text: str) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(text + "\n")
    process.stdin.flush()
    answer: dict[str, Any] = json.loads(process.stdout.readline())
    return answer


async def test_a_synonym_added_here_works_at_once_in_another_process(
        chat, db: Database, database_url: str, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """The other process has its own vocabulary cache, warmed before the synonym exists; its next
    search reads the vocabulary's version in the same query and sees the change (PostgreSQL under
    PARVIS_TEST_DATABASE_URL, else two processes on one SQLite file)."""
    await import_demo(db, clock)
    other = _start(database_url, MEMBER)
    try:
        assert _ask(other, "expert find snek")["sections"] == []
        warm = _ask(other, "expert find python")  # its vocabulary is built, without the synonym
        assert any("Ana Martin" in section for section in warm["sections"])
        assert not (await chat(REFERENT, "en").say("expert synonym add snek = python")).error
        found = _ask(other, "expert find snek")
        assert found["title"] == "Experts en python" and any("Ana Martin" in s for s in found["sections"])
        assert not (await chat(REFERENT, "en").say("expert synonym remove snek")).error
        # another wording: the same words typed again may come from the reply cache for a few seconds
        assert _ask(other, "expert find snek!")["sections"] == []
    finally:
        other.communicate(timeout=30)  # closes stdin: the process ends
