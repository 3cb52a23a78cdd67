"""The search index: vocabulary matching (typos, order, synonyms, several words), the per-process
vocabulary cache, ranking (score, level, availability, load), and ``expert find`` replies."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import select

from benchmarks.expert_search import run as run_benchmark
from core.directory import search as expert_search
from core.directory.search import _ranking, find_experts, load_vocabulary, match_skills, rank_experts
from core.directory.skills import add_expert_skills
from core.ports import FakeClock
from core.runtime.db import Database
from core.runtime.sqlite_driver import read_rows
from core.schema import ExpertSkill, ExpertStatus, Member, Question
from tests.expert_support import import_demo, names_in


async def people(db: Database, clock: FakeClock, **skills: list[str]) -> dict[str, int]:
    """Members named by keyword, holding the given skills (level 2)."""
    ids: dict[str, int] = {}
    async with db.uow() as uow:
        for name, held in skills.items():
            member = Member(email=f"{name}@example.com", display_name=name.title(), title="Engineer",
                            department="R&D")
            uow.session.add(member)
            await uow.session.flush()
            assert member.id is not None
            ids[name] = member.id
            await add_expert_skills(uow, member.id, held, now=clock.now())
        await uow.commit()
    return ids


async def test_matching_typos_order_synonyms_and_phrases(db: Database, clock: FakeClock) -> None:
    await people(db, clock, ana=["kubernetes", "python", "machine learning", "project management"],
                 bob=["data visualisation", "sql", "coastal architecture", "sports psychology"],
                 eve=["incident response"])
    async with db.uow() as uow:
        vocab = await load_vocabulary(uow, db)

    def found(text: str, question: bool = False) -> set[str]:
        return {vocab.names[i] for i in match_skills(vocab, text, question)}

    assert found("kubernetis") == found("K8S") == found("Kubernetes") == {"kubernetes"}
    assert found("learning machine") == found("apprentissage automatique") == {"machine learning"}
    assert found("deploy python on kubernetes") == {"python", "kubernetes"}
    assert found("data visualisaton with sql") == {"data visualisation", "sql"}
    assert found("project-management") == {"project management"}
    assert found("gestion de projet") == {"project management"}
    # A typo moving a word boundary or a first letter reorders the sorted words: typed order matches.
    assert found("coastal rachitecture") == {"coastal architecture"}
    assert found("sportsp sychology") == {"sports psychology"}
    assert found("on-call") == found("On Call") == {"incident response"}, "an alias starting with 'on'"
    assert found("go") == set() and found("") == set() and found("!!!") == set()
    assert found("How do I deploy my ML model? j'ai besoin d'aide", question=True) == {"machine learning"}


async def test_the_vocabulary_is_cached_until_skills_change(db: Database, clock: FakeClock) -> None:
    await people(db, clock, ana=["python"])
    async with db.uow() as uow:
        first = await load_vocabulary(uow, db)
        assert await load_vocabulary(uow, db) is first
    await people(db, clock, bob=["underwater basket weaving"])
    async with db.uow() as uow:
        result = await find_experts(uow, db, "basket weaving underwater", clock.now())
    assert [e.name for e in result.experts] == ["Bob"], "a new skill is searchable at once"
    async with db.uow() as uow:
        assert (await load_vocabulary(uow, db)) is not first


async def test_ranking_score_level_availability_load(db: Database, clock: FakeClock) -> None:
    ids = await people(db, clock, both=["python", "kubernetes"], busy=["python"], away=["python"],
                       free=["python"], senior=["python"])
    async with db.uow() as uow:
        senior = (await uow.session.exec(select(Member).where(Member.id == ids["senior"]))).one()
        for row in (await uow.session.exec(select(ExpertSkill).where(ExpertSkill.member_id == senior.id))):
            row.level = 3
        uow.session.add(ExpertStatus(member_id=ids["away"], away=True,
                                     away_until=clock.now() + timedelta(days=3)))
        uow.session.add(Question(asker_id=ids["free"], text="help please", status="routed",
                                 assignee_id=ids["busy"], created_at=clock.now()))
        await uow.commit()
    async with db.uow() as uow:
        result = await find_experts(uow, db, "python kubernetes", clock.now())
    order = [e.name for e in result.experts]
    assert order == ["Both", "Senior", "Free", "Busy", "Away"], order
    assert set(result.skills_of(result.experts[0])) == {"python", "kubernetes"}
    assert result.skills_of(result.experts[1]) == ["python"]
    away = result.experts[-1]
    assert away.away and away.away_through is None and away.load == 0
    clock.advance(timedelta(days=4))
    async with db.uow() as uow:
        later = await find_experts(uow, db, "python", clock.now())
    assert not any(e.away for e in later.experts), "an away date in the past no longer counts"


async def test_ranking_cut_in_the_database_is_exact(db: Database, clock: FakeClock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The query keeps only the first holders by score, level and id (plus the away and busy ones):
    over random holders, levels, absences and loads it ranks as a full sort in Python does."""
    monkeypatch.setattr(expert_search, "ERASED_MARGIN", 0)  # the tightest cut
    rng = random.Random(3)
    skills = ["python", "kubernetes", "sql"]
    ids = await people(db, clock, **{f"m{i}": rng.sample(skills, rng.randint(1, 3)) for i in range(120)})
    now = clock.now()
    async with db.uow() as uow:
        for row in (await uow.session.exec(select(ExpertSkill))).all():
            row.level = rng.randint(1, 3)
        for member_id in rng.sample(sorted(ids.values()), 12):
            until = rng.choice([None, now + timedelta(days=2), now - timedelta(days=2)])
            uow.session.add(ExpertStatus(member_id=member_id, away=rng.random() < 0.8, away_until=until))
        for member_id in rng.choices(sorted(ids.values()), k=12):
            uow.session.add(Question(asker_id=member_id, text="q", status=rng.choice(["routed", "answered"]),
                                     assignee_id=member_id, created_at=now))
        await uow.commit()
    async with db.uow() as uow:
        vocab = await load_vocabulary(uow, db)
        holders = (await uow.session.exec(select(ExpertSkill))).all()
        status = {s.member_id: s for s in (await uow.session.exec(select(ExpertStatus))).all()}
        questions = (await uow.session.exec(select(Question))).all()
        for topic in ("python", "python kubernetes", "sql kubernetes python"):
            scores = match_skills(vocab, topic)
            member: dict[int, tuple[float, int]] = {}
            for h in holders:
                if h.skill_id in scores:
                    score, level = member.get(h.member_id, (0.0, 0))
                    member[h.member_id] = (score + scores[h.skill_id], max(level, h.level))

            def away(m: int) -> int:
                st = status.get(m)
                return int(bool(st and st.away and (st.away_until is None or st.away_until > now)))

            def load(m: int) -> int:
                return sum(1 for q in questions if q.assignee_id == m and q.status == "routed")

            search = sorted(member, key=lambda m: (-member[m][0], -member[m][1], away(m), load(m), m))
            routing = sorted((m for m in member if not away(m)),
                             key=lambda m: (load(m), -member[m][0], -member[m][1], m))
            for limit in (1, 3, 10):
                found = await rank_experts(uow, scores, now, limit=limit)
                assert [e.member_id for e in found] == search[:limit], topic
                assert all(e.away == bool(away(e.member_id)) and e.load == load(e.member_id) for e in found)
                routed = await rank_experts(uow, scores, now, limit=limit, available_only=True, by_load=True,
                                            exclude={search[0]})
                assert [e.member_id for e in routed] == [m for m in routing if m != search[0]][:limit]


async def test_sqlite_fast_reads_equal_sqlalchemy_reads(db: Database, clock: FakeClock) -> None:
    ids = await people(db, clock, ana=["python"], bob=["python", "sql"])
    async with db.uow() as uow:
        uow.session.add(ExpertStatus(member_id=ids["bob"], away=True,
                                     away_until=clock.now() + timedelta(days=1),
                                     away_through=clock.now().date()))
        await uow.commit()
    async with db.uow() as uow:
        vocab = await load_vocabulary(uow, db)
        connection = await uow.session.connection()
        for topic, holders in (("python", 2), ("sql", 1), ("python sql", 2)):
            _, (statement, params) = _ranking(match_skills(vocab, topic), clock.now(), 10, frozenset(),
                                              False, False, with_version=True)
            slow = [tuple(row) for row in (await connection.execute(statement, params)).all()]
            assert await read_rows(uow, statement, params) == slow and len(slow) == holders, topic
        _, (statement, params) = _ranking(match_skills(vocab, "python sql"), clock.now(), 10, frozenset(),
                                          False, False, with_version=True)
        fast = await read_rows(uow, statement, params)
    through = next(row[9] for row in fast if row[0] == ids["bob"])
    assert through == clock.now().date() and type(through) is date


async def test_expert_find_replies(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    me = chat("ana.martin@aurora.example", "en")
    reply = await me.say("expert find kubernetis")
    assert reply.title == "Experts in kubernetes" and "Lucas Bernard" in names_in(reply)
    assert "**Lucas Bernard — Ingénieur DevOps, Engineering**" in reply.text
    await chat("lucas.bernard@aurora.example", "en").say("expert away until 2026-03-20")
    away = await me.say("expert find k8s")
    lucas = next(s for s in away.sections if "Lucas Bernard" in s.text)
    assert "Away until March 20, 2026" in lucas.text
    assert names_in(away)[-1] == "Lucas Bernard", "away experts come last among equals"
    hyphens = await me.say("expert find kubernetes-operator-framwork-xyz")
    assert "Lucas Bernard" in names_in(hyphens)
    close = await me.say("expert find stratgy consulting")
    assert "Camille Durand" in names_in(close), "strategy, despite the typo"
    nobody = await me.say("expert find quantum pipelines")
    assert not nobody.error and "Nobody declared" in nobody.text and "Close skills:" in nobody.text
    assert "data pipelines" in nobody.text, "a close name shares a word with the topic"
    unknown = await me.say("expert find quantum chromodynamics")
    assert "I found no skill matching" in unknown.text, "no unrelated short names offered as close"
    hopeless = await me.say("expert find ???")
    assert "I found no skill matching" in hopeless.text
    fr = await chat("chloe.petit@aurora.example", "fr").say("expert find gestion de projet")
    assert fr.title == "Experts en project management" and "Antoine Fournier" in names_in(fr)


async def test_benchmark_smoke(tmp_path) -> None:  # type: ignore[no-untyped-def]
    timings = await run_benchmark(members=300, skills=400, per_member=4, queries=24,
                                  path=tmp_path / "bench.db")
    assert set(timings) == {"service", "search", "like", "scan"}
    assert all(t.p50 > 0 and t.p99 >= t.p50 for t in timings.values())


async def test_levels_are_named_in_each_reader_s_language(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    """The level names ``expert find`` writes on each expert's line are kept per language, not per
    process: an English reader, then a French one, then the English one again."""
    await import_demo(db, clock)
    english, french = chat("ana.martin@aurora.example", "en"), chat("chloe.petit@aurora.example", "fr")
    for reader, words, others in ((english, "level ", "niveau "), (french, "niveau ", "level "),
                                  (english, "level ", "niveau ")):
        shown = await reader.say("expert find kubernetes")
        assert shown.sections and all(words in s.text and others not in s.text for s in shown.sections)
