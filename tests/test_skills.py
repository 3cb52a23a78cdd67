"""Skills: the vocabulary file, canonical names, and the expert profile commands (add, remove, me,
away, back) from the console chat."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from core.dates import parse_day
from core.directory.skills import alias_map, canonical, parse_wanted, vocabulary
from core.directory.word_forms import QUESTION_WORDS
from core.errors import InvalidInput
from core.ports import FakeClock
from core.runtime.db import Database, Written
from core.schema import ExpertSkill, ExpertStatus, MemberRole, Skill, SkillAlias
from core.text import fold


def test_the_vocabulary_is_large_and_unambiguous() -> None:
    table = vocabulary()
    assert len(table) >= 300
    seen: dict[str, str] = {}
    for name, aliases in table.items():
        for word in (name, *aliases):
            assert seen.setdefault(fold(word), name) == name, f"{word!r} names {seen[fold(word)]} and {name}"
            assert fold(word) not in QUESTION_WORDS, f"{word!r} ({name}) is a filler word of every sentence"
    assert len(alias_map()) > 1500


@pytest.mark.parametrize(("typed", "expected"), [
    ("k8s", "kubernetes"), ("  Kubernetes ", "kubernetes"), ("ML", "machine learning"),
    ("Apprentissage automatique", "machine learning"), ("gestion de projet", "project management"),
    ("Négociation", "negotiation"), ("negociation", "negotiation"), ("API REST", "rest api"),
    ("Basket  Weaving", "basket weaving"),
    ("DPO", "data protection"), ("Délégué à la protection des données", "data protection"),
])
def test_canonical_names(typed: str, expected: str) -> None:
    assert canonical(typed) == expected


def test_skill_lists_with_levels() -> None:
    wanted = parse_wanted('python:3, k8s (1); "gestion de projet" , , figma')
    assert [(w.name, w.level) for w in wanted] == [("python", 3), ("k8s", 1), ("gestion de projet", None),
                                                   ("figma", None)]
    with pytest.raises(InvalidInput):
        parse_wanted("python:7")
    with pytest.raises(InvalidInput):
        parse_wanted("x" * 101)


@pytest.mark.parametrize(("text", "expected"), [
    ("until 2026-12-24", date(2026, 12, 24)), ("24/12", date(2026, 12, 24)), ("until 1/2", date(2027, 2, 1)),
    ("24.12.2026", date(2026, 12, 24)), ("friday", date(2026, 3, 6)), ("jusqu'au lundi", date(2026, 3, 9)),
    ("tomorrow", date(2026, 3, 3)), ("demain", date(2026, 3, 3)), ("next blue moon", None), ("31/02", None),
])
def test_away_dates(text: str, expected: date | None) -> None:
    assert parse_day(text, date(2026, 3, 2)) == expected  # a Monday


async def skills_of(db: Database, email_id: int) -> dict[str, tuple[int, bool]]:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(Skill.name, ExpertSkill.level, ExpertSkill.referent).join(
            ExpertSkill, ExpertSkill.skill_id == Skill.id).where(ExpertSkill.member_id == email_id))).all()
        return {name: (level, referent) for name, level, referent in rows}


async def test_add_me_remove(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    reply = await ana.say("expert add k8s:3, Apprentissage automatique, basket weaving (1)")
    assert not reply.error and "kubernetes (level 3, expert)" in reply.text and "basket weaving" in reply.text
    assert await skills_of(db, 1) == {"kubernetes": (3, False), "machine learning": (2, False),
                                      "basket weaving": (1, False)}
    await ana.say("expert add kubernetes, ML:1")
    assert (await skills_of(db, 1))["kubernetes"] == (3, False), "no level given keeps the level"
    assert (await skills_of(db, 1))["machine learning"] == (1, False)
    me = await ana.say("expert me")
    assert "kubernetes (level 3, expert)" in me.text and "available" in me.text and "answered: 0" in me.text
    assert "removed" in (await ana.say("expert remove k8s")).text
    missing = await ana.say("expert remove cooking")
    assert missing.error and "machine learning" in missing.text
    bad = await ana.say("expert add python:9")
    assert bad.error and "level" in bad.text and "python" not in await skills_of(db, 1)
    empty = await ana.say("expert add , ;")
    assert empty.error and "expert add" in empty.text
    async with db.uow() as uow:
        assert (await uow.session.exec(select(Skill).where(Skill.name == "k8s"))).first() is None


async def test_adding_a_held_skill_again_writes_only_what_changes(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    """``expert add`` is one statement per skill (insert, or re-level and mark referent): one that
    changes nothing commits nothing, so the replies this process keeps stay kept; a new level and a
    skill named twice in one line are saved, the last level asked winning."""
    from core.runtime.reply_cache import reply_cache

    ana = chat("ana@example.com")
    await ana.say("expert add python:3")
    await ana.say("expert me")                               # kept in the reply cache
    cache = reply_cache(db)
    kept = len(cache._entries)
    assert kept >= 1
    again = await ana.say("expert add Python")
    assert not again.error and "python (level 3, expert)" in again.text
    assert len(cache._entries) == kept, "nothing written: the kept replies stay"
    assert await skills_of(db, 1) == {"python": (3, False)}
    await ana.say("expert add python:1, python (2)")
    assert await skills_of(db, 1) == {"python": (2, False)}
    assert len(cache._entries) == 0, "a write empties the kept replies"


async def test_declaring_a_skill_held_as_asked_is_a_read(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """A skill held already as asked (same level or none asked; referent mark already there) is not
    written again: no INSERT, no transaction, no commit — the most common ``expert add`` is a read.
    What changes something still writes: a new level, a referent's mark on a skill held without it,
    a skill held as asked beside one that is not."""
    from sqlalchemy import event

    ana = chat("ana@example.com")
    await ana.say("expert add python:3, k8s")
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement.split(None, 1)[0].upper())

    told: list[Written] = []  # also what SQLite's writer in the loop's thread commits, beside the engine
    db.on_commit(told.append)
    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        again = await ana.say("expert add Python, kubernetes:2, Kubernetes")
        assert not again.error and "python (level 3, expert)" in again.text
        assert not {"INSERT", "UPDATE", "DELETE", "COMMIT"} & set(statements), statements
        assert not [obj for w in told for obj in w.objects if isinstance(obj, ExpertSkill)], "nothing written"
        changed = await ana.say("expert add python, k8s:1")
        assert not changed.error and "kubernetes (level 1" in changed.text
        written = [obj for w in told for obj in w.objects if isinstance(obj, ExpertSkill)]
        assert len(written) == 1, "only the skill whose level changes is written"
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert await skills_of(db, 1) == {"python": (3, False), "kubernetes": (1, False)}
    async with db.uow() as uow:
        uow.session.add(MemberRole(member_id=1, role="referent", granted_at=clock.now()))
        await uow.commit()
    marked = await ana.say("expert add python")
    assert "referent for: python" in marked.text
    assert await skills_of(db, 1) == {"python": (3, True), "kubernetes": (1, False)}


async def test_expert_add_follows_curated_aliases_and_creates_only_unknown_skills(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    """``expert add`` reads the skills it names and those curated aliases stand for in one statement:
    an alias wins over a skill of the very same name, a known skill is taken as it is, and only a
    name never seen before becomes a new skill."""
    ana = chat("ana@example.com")
    await ana.say("expert add python, snek, rust")            # "snek" a skill of its own, for now
    async with db.uow() as uow:
        python = (await uow.session.exec(select(Skill).where(Skill.name == "python"))).one()
        assert python.id is not None
        uow.session.add(SkillAlias(alias="snek", skill_id=python.id))
        uow.session.add(SkillAlias(alias="crab", skill_id=(await uow.session.exec(
            select(Skill.id).where(Skill.name == "rust"))).one()))
        await uow.commit()
    async with db.uow() as uow:
        before = len((await uow.session.exec(select(Skill))).all())
    reply = await ana.say("expert add Snek:3, CRAB (1), python, basket weaving")
    assert not reply.error and "python (level 3, expert)" in reply.text and "basket weaving" in reply.text
    assert await skills_of(db, 1) == {"python": (3, False), "snek": (2, False), "rust": (1, False),
                                      "basket weaving": (2, False)}
    async with db.uow() as uow:
        assert len((await uow.session.exec(select(Skill))).all()) == before + 1, "only basket weaving is new"
    again = await ana.say("expert add crab:2")
    assert not again.error and await skills_of(db, 1) == {
        "python": (3, False), "snek": (2, False), "rust": (2, False), "basket weaving": (2, False)}


async def test_expert_me_reads_skills_and_counts_in_one_statement(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    """``expert me`` is one read: with no skill it still says availability and counts; with skills,
    each once, best level first then by name, and the counts not repeated per skill."""
    ana = chat("ana@example.com")
    bare = await ana.say("expert me")
    assert "not declared any skill" in bare.text and "available" in bare.text
    assert bare.text.count("Questions answered: 0") == 1
    await ana.say("expert add rust:1, python:3, go:3")
    me = (await ana.say("expert me")).text
    assert me.index("go (level 3") < me.index("python (level 3") < me.index("rust (level 1")
    assert me.count("python") == 1 and me.count("Questions answered: 0 · waiting for your answer: 0") == 1


async def test_a_referent_becomes_referent_for_the_skills(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    lea = chat("lea@example.com")
    await lea.say("help")
    async with db.uow() as uow:
        uow.session.add(MemberRole(member_id=1, role="referent", granted_at=clock.now()))
        await uow.commit()
    reply = await lea.say("expert add gestion de projet")
    assert "referent for: project management" in reply.text
    assert await skills_of(db, 1) == {"project management": (2, True)}
    assert "referent" in (await lea.say("expert me")).text


async def test_away_and_back(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    bob = chat("bob@example.com")
    assert "until March 6, 2026 included" in (await bob.say("expert away until friday")).text
    assert "March 6, 2026" in (await bob.say("expert me")).text
    bad = await bob.say("expert away until someday")
    assert bad.error and "2026-12-24" in bad.text
    past = await bob.say("expert away until 2020-01-01")
    assert past.error and "past" in past.text
    assert "Welcome back" in (await bob.say("expert back")).text
    assert "available for questions" in (await bob.say("expert me")).text
    await bob.say("expert away")
    assert "until you type `expert back`" in (await bob.say("expert me")).text
    await bob.say("expert back")
    async with db.uow() as uow:
        status = await uow.session.get(ExpertStatus, 1)
        assert status is not None and not status.away and status.away_until is None
    fr = await chat("zoe@example.com", "fr").say("expert away jusqu'au 24/12")
    assert "jusqu’au 24 décembre 2026 inclus" in fr.text
