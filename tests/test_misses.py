"""Searches that found nobody: counted anonymously (``expert find``, ``ask``), shown to referents and
admins by ``expert misses``, and gone from the list once a synonym makes them find someone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from core.directory.misses import MissLog, miss_log, normalised
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
    await miss_log(db).flush()  # written in batches after the replies
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


async def stored(db: Database) -> dict[str, tuple[int, str, str]]:
    async with db.uow() as uow:
        rows = (await uow.session.exec(select(SearchMiss))).all()
    return {row.text: (row.count, f"{row.first_day}", f"{row.last_day}") for row in rows}


async def test_a_miss_is_written_after_the_reply_and_shown_at_once(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock) -> None:
    """``expert find`` that finds nobody only reads: its miss waits in the process's buffer (no write
    transaction inside the command) until the next batch, and ``expert misses`` writes the buffer
    before it reads, so whoever asks sees the miss of a moment ago."""
    await import_demo(db, clock)
    chloe, lucas = chat(MEMBER, "en"), chat(REFERENT, "en")
    await chloe.say("help")  # Chloé's first command writes her member row: not what is counted here
    async with db.uow() as uow:
        before = (await uow.session.exec(select(func.count()).select_from(SearchMiss))).one()
    found = await chloe.say("expert find snek")
    assert "snek" in found.text and not found.error
    assert before == 0 and await stored(db) == {}, "nothing written inside the command"
    assert miss_log(db).pending == 1
    shown = await lucas.say("expert misses")
    assert "snek" in shown.text and miss_log(db).pending == 0
    assert await stored(db) == {"snek": (1, "2026-03-02", "2026-03-02")}


async def test_an_ask_that_matched_nothing_counts_its_miss_once_committed(  # type: ignore[no-untyped-def]
        chat, db: Database, clock: FakeClock) -> None:
    await import_demo(db, clock)
    chloe = chat(MEMBER, "fr")
    assert (await chloe.say("ask court")).error                 # refused: nothing counted
    asked = await chloe.say("ask Quelqu'un sait-il élever des chèvres naines en ville ?")
    assert not asked.error and miss_log(db).pending == 1
    await miss_log(db).flush()
    assert await stored(db) == {"elever chevres naines ville": (1, "2026-03-02", "2026-03-02")}


async def test_batches_add_up_and_keep_the_first_and_last_days(db: Database, clock: FakeClock) -> None:
    """Two processes (two buffers) counting the same words: every search counts once, the first day
    stays the earliest and the last day the latest, whichever batch is written last."""
    day = clock.now()
    mine, other = MissLog(db), MissLog(db)
    for _ in range(3):
        mine.note("Élevage de chèvres", day + timedelta(days=1))
    mine.note("elevage chevres", day + timedelta(days=2))
    mine.note("???", day)                                        # no word to count
    other.note("elevage  chevres", day + timedelta(days=3))
    await other.flush()                                          # the later day, written first
    await mine.flush()
    assert await stored(db) == {"elevage chevres": (5, "2026-03-03", "2026-03-05")}
    other.note("elevage chevres", day)                           # an earlier day, written last
    other.note("snek", day)
    await other.flush()
    assert await stored(db) == {"elevage chevres": (6, "2026-03-02", "2026-03-05"),
                                "snek": (1, "2026-03-02", "2026-03-02")}


async def test_a_buffered_miss_is_written_when_the_database_is_disposed(  # an orderly stop
        db: Database, database_url: str, clock: FakeClock) -> None:
    serving = Database(database_url)
    miss_log(serving).note("quantum gardening", clock.now())
    await serving.dispose()
    assert await stored(db) == {"quantum gardening": (1, "2026-03-02", "2026-03-02")}
