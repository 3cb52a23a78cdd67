"""The search index: vocabulary matching (typos, order, synonyms, several words), the per-process
vocabulary cache, ranking (score, level, availability, load), and ``expert find`` replies."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from benchmarks.expert_search import run as run_benchmark
from core.db import Database
from core.expert_search import find_experts, load_vocabulary, match_skills
from core.models import ExpertSkill, ExpertStatus, Member, Question
from core.ports import FakeClock
from core.skills import add_expert_skills
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
                 bob=["data visualisation", "sql"])
    async with db.uow() as uow:
        vocab = await load_vocabulary(db, uow)

    def found(text: str, question: bool = False) -> set[str]:
        return {vocab.names[i] for i in match_skills(vocab, text, question)}

    assert found("kubernetis") == found("K8S") == found("Kubernetes") == {"kubernetes"}
    assert found("learning machine") == found("apprentissage automatique") == {"machine learning"}
    assert found("deploy python on kubernetes") == {"python", "kubernetes"}
    assert found("data visualisaton with sql") == {"data visualisation", "sql"}
    assert found("project-management") == {"project management"}
    assert found("gestion de projet") == {"project management"}
    assert found("go") == set() and found("") == set() and found("!!!") == set()
    assert found("How do I deploy my ML model? j'ai besoin d'aide", question=True) == {"machine learning"}


async def test_the_vocabulary_is_cached_until_skills_change(db: Database, clock: FakeClock) -> None:
    await people(db, clock, ana=["python"])
    async with db.uow() as uow:
        first = await load_vocabulary(db, uow)
        assert await load_vocabulary(db, uow) is first
    await people(db, clock, bob=["underwater basket weaving"])
    async with db.uow() as uow:
        result = await find_experts(db, uow, "basket weaving underwater", clock.now())
    assert [e.name for e in result.experts] == ["Bob"], "a new skill is searchable at once"
    async with db.uow() as uow:
        assert (await load_vocabulary(db, uow)) is not first


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
        result = await find_experts(db, uow, "python kubernetes", clock.now())
    order = [e.name for e in result.experts]
    assert order == ["Both", "Senior", "Free", "Busy", "Away"], order
    assert set(result.skills_of(result.experts[0])) == {"python", "kubernetes"}
    assert result.skills_of(result.experts[1]) == ["python"]
    away = result.experts[-1]
    assert away.away and away.away_until is not None and away.load == 0
    clock.advance(timedelta(days=4))
    async with db.uow() as uow:
        later = await find_experts(db, uow, "python", clock.now())
    assert not any(e.away for e in later.experts), "an away date in the past no longer counts"


async def test_expert_find_replies(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    me = chat("ana.martin@aurora.example", "en")
    reply = await me.say("expert find kubernetis")
    assert reply.title == "Experts in kubernetes" and "Lucas Bernard" in names_in(reply)
    assert "*Lucas Bernard — Ingénieur DevOps, Engineering*" in reply.text
    await chat("lucas.bernard@aurora.example", "en").say("expert away until 2026-03-20")
    away = await me.say("expert find k8s")
    lucas = next(s for s in away.sections if "Lucas Bernard" in s.text)
    assert "Away until 2026-03-20" in lucas.text
    assert names_in(away)[-1] == "Lucas Bernard", "away experts come last among equals"
    hyphens = await me.say("expert find kubernetes-operator-framwork-xyz")
    assert "Lucas Bernard" in names_in(hyphens)
    close = await me.say("expert find stratgy consulting")
    assert "Camille Durand" in names_in(close), "strategy, despite the typo"
    nobody = await me.say("expert find quantum chromodynamics")
    assert not nobody.error and "Nobody declared" in nobody.text and "Close skills:" in nobody.text
    hopeless = await me.say("expert find ???")
    assert "I found no skill matching" in hopeless.text
    fr = await chat("chloe.petit@aurora.example", "fr").say("expert find gestion de projet")
    assert fr.title == "Experts en project management" and "Antoine Fournier" in names_in(fr)


async def test_benchmark_smoke(tmp_path) -> None:  # type: ignore[no-untyped-def]
    timings = await run_benchmark(members=300, skills=400, per_member=4, queries=24,
                                  path=tmp_path / "bench.db")
    assert set(timings) == {"service", "search", "like", "scan"}
    assert all(t.p50 > 0 and t.p99 >= t.p50 for t in timings.values())
