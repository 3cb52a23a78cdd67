"""Searches that found nobody, counted so that referents and admins can teach the vocabulary.

Why: a miss is the cheapest signal of a word the company uses and the vocabulary does not know
(``expert misses`` lists the most frequent; ``expert synonym add`` fixes them). What is kept is
anonymous: the words of the search, folded, filler dropped, at most ``MAX_WORDS`` of them (for a
question, its content words, not its text); how many times; the first and the last day. No member,
no time of day: nothing joins a miss to the activity log. Two processes counting the same words at
once both count (one ``INSERT … ON CONFLICT DO UPDATE`` that adds).

A miss is counted after the command, not inside it: ``note`` keeps it in the process's ``MissLog``
(``core.runtime.write_behind``), which writes all the misses of the last ``LINGER_SECONDS`` in one
transaction. So ``expert find`` stays a read — no write transaction, on SQLite no turn of the one
write lock, for a statistic — and ``ask`` keeps the statement out of its write. ``top`` (``expert
misses``) writes the buffer before it reads, so the searches of a moment ago are on the list; another
process's show up within ``LINGER_SECONDS``; an orderly stop writes the buffer (``Database.dispose``),
a killed process loses the last fraction of a second of misses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.activity.models import SearchMiss
from core.directory.matching import match_skills
from core.directory.models import ExpertSkill
from core.directory.vocabulary import load_vocabulary
from core.directory.word_forms import QUESTION_WORDS, STOPWORDS, words_of
from core.runtime.db import Database, UnitOfWork
from core.runtime.write_behind import PerDatabase, WriteBehind

MAX_WORDS = 8
MAX_TEXT = 200
SCAN = 100


@dataclass(frozen=True)
class Miss:
    text: str
    count: int
    last_day: date


def normalised(text: str, question: bool = False) -> str:
    """The words a miss is counted under: folded, filler dropped, the first ``MAX_WORDS``."""
    filler = QUESTION_WORDS if question else STOPWORDS
    words = [w for w in words_of(text, question) if w and w not in filler]
    return " ".join(words[:MAX_WORDS])[:MAX_TEXT]


LINGER_SECONDS = 0.25
#: beyond this many misses waiting, a write starts at once
MAX_BUFFERED = 500

log = logging.getLogger(__name__)
_LOGS: PerDatabase[MissLog] = PerDatabase(lambda db: MissLog(db))  # defined below
_TABLE = SearchMiss.__table__  # type: ignore[attr-defined]


def miss_log(db: Database) -> MissLog:
    """The misses of ``db`` waiting to be written (one buffer per ``Database``, made on first use)."""
    return _LOGS.of(db)


def counting(db: Database, text: str, now: datetime, question: bool = False,
             ) -> Callable[[], Awaitable[None]]:
    """What counts one search that found nobody, as a command's effect after its commit
    (``Context.after_commit``): a command that failed counts nothing, and a reply with an effect is
    never answered from memory, so each search is counted."""

    async def count() -> None:
        miss_log(db).note(text, now, question)

    return count


@lru_cache(maxsize=2)
def _upsert(dialect: str) -> Any:
    """One miss's row added to its words' count: the count grows by the batch's, the first day is the
    earliest and the last day the latest, whichever process's batch comes last."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_TABLE)
    new, old = statement.excluded, _TABLE.c
    return statement.on_conflict_do_update(index_elements=["text"], set_={
        "count": old.count + new.count,
        "first_day": case((new.first_day < old.first_day, new.first_day), else_=old.first_day),
        "last_day": case((new.last_day > old.last_day, new.last_day), else_=old.last_day)})


def _counted(misses: list[tuple[str, date]]) -> list[dict[str, Any]]:
    """One row per words: how many times, the first and the last day."""
    rows: dict[str, dict[str, Any]] = {}
    for words, day in misses:
        row = rows.setdefault(words, {"text": words, "count": 0, "first_day": day, "last_day": day})
        row["count"] += 1
        row["first_day"], row["last_day"] = min(row["first_day"], day), max(row["last_day"], day)
    return list(rows.values())


class MissLog(WriteBehind[tuple[str, date]]):
    """The misses of one database (their words and day), written in batches: one row per words."""

    def __init__(self, db: Database, linger: float = LINGER_SECONDS) -> None:
        super().__init__(linger, MAX_BUFFERED)
        self.db = db

    def note(self, text: str, now: datetime, question: bool = False) -> None:
        """Keep one search that found nobody for the next batch (nothing when no word is left)."""
        words = normalised(text, question)
        if words:
            self.add((words, now.date()))

    async def _write(self, misses: list[tuple[str, date]]) -> None:
        rows = _counted(misses)
        try:
            async with self.db.uow() as uow:
                await uow.session.exec(_upsert(self.db.dialect), params=rows)
                await uow.commit()
        except Exception:  # a statistic: a failed batch is logged, never a command's error
            log.exception("misses: %d searches that found nobody were not counted", len(misses))


async def top(uow: UnitOfWork, db: Database, limit: int = 20) -> list[Miss]:
    """The most frequent misses that still find nobody (a synonym or a skill added since takes a
    miss off the list: its words now name a skill someone holds)."""
    await miss_log(db).flush()  # the misses of a moment ago, this member's own included
    order = (col(SearchMiss.count).desc(), col(SearchMiss.last_day).desc(), col(SearchMiss.text))
    rows = (await uow.session.exec(select(SearchMiss).order_by(*order).limit(SCAN))).all()
    vocab = await load_vocabulary(uow, db)
    matched = {row.text: set(match_skills(vocab, row.text)) for row in rows}
    wanted = set().union(*matched.values())
    held = set((await uow.session.exec(select(ExpertSkill.skill_id).where(
        col(ExpertSkill.skill_id).in_(wanted)).distinct())).all()) if wanted else set()
    return [Miss(row.text, row.count, row.last_day) for row in rows if not matched[row.text] & held][:limit]
