"""Searches that found nobody: counted anonymously (``expert find``, ``ask``), shown to referents and
admins by ``expert misses``, and gone from the list once a synonym makes them find someone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from core.directory.misses import normalised
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import SearchMiss
from tests.expert_support import import_demo

REFERENT = "lucas.bernard@aurora.example"
MEMBER = "chloe.petit@aurora.example"


def test_what_is_kept_is_the_words_folded() -> None:
    assert normalised("Who knows  Quantum-Chromodynamics?") == "knows quantum chromodynamics"
    assert normalised("Does anyone know about Élevage de Chèvres please?", question=True) == "elevage chevres"
    assert normalised("???") == "" and len(normalised("word " * 50).split()) == 8


async def test_misses_are_counted_anonymously_and_shown_to_referents(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock) -> None:
    await import_demo(db, clock)
    chloe, lucas = chat(MEMBER, "fr"), chat(REFERENT, "en")
    for _ in range(3):
        await chloe.say("expert find Élevage de chèvres")
    clock.advance(timedelta(days=1))
    await chat("ana.martin@aurora.example", "en").say("expert find elevage chevres")
    await chloe.say("expert find snek")
    await chloe.say("expert find python")  # found someone: not a miss
    await chloe.say("expert find ???")  # no word to count
    await chloe.say("ask Quelqu'un sait-il élever des chèvres naines en ville ?")
    async with db.uow() as uow:
        rows = {row.text: row for row in (await uow.session.exec(select(SearchMiss))).all()}
    assert set(rows) == {"elevage chevres", "snek", "elever chevres naines ville"}
    goats = rows["elevage chevres"]
    assert (goats.count, f"{goats.first_day}", f"{goats.last_day}") == (4, "2026-03-02", "2026-03-03")
    assert set(SearchMiss.model_fields) == {"text", "count", "first_day", "last_day"}, "no one is named"
    refused = await chloe.say("expert misses")
    assert refused.error and "référents" in refused.text
    shown = await lucas.say("expert misses")
    assert shown.title == "Searches that found nobody"
    lines = [line for line in shown.text.splitlines() if line.startswith("•")]
    assert lines[0] == "• “elevage chevres” — 4 times, last on March 3, 2026" and len(lines) == 3
    await lucas.say("expert synonym add snek = python")
    after = await lucas.say("expert misses")
    assert "snek" not in after.text and "elevage chevres" in after.text, "a miss that now finds someone goes"
    french = await chat("camille.durand@aurora.example", "fr").say("expert misses")  # an admin
    assert french.title == "Recherches restées sans résultat" and "4 fois" in french.text


async def test_no_misses_yet(chat, db: Database, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    await import_demo(db, clock)
    assert "No search has come up empty" in (await chat(REFERENT, "en").say("expert misses")).text
