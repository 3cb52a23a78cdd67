"""Searches that found nobody, counted so that referents and admins can teach the vocabulary.

Why: a miss is the cheapest signal of a word the company uses and the vocabulary does not know
(``expert misses`` lists the most frequent; ``expert synonym add`` fixes them). What is kept is
anonymous: the words of the search, folded, filler dropped, at most ``MAX_WORDS`` of them (for a
question, its content words, not its text); how many times; the first and the last day. No member,
no time of day: nothing joins a miss to the activity log. Two processes counting the same words at
once both count (one ``INSERT … ON CONFLICT DO UPDATE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.activity.models import SearchMiss
from core.directory.matching import match_skills
from core.directory.models import ExpertSkill
from core.directory.vocabulary import load_vocabulary
from core.directory.word_forms import QUESTION_WORDS, STOPWORDS, words_of
from core.runtime.db import Database, UnitOfWork

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


async def record(uow: UnitOfWork, text: str, now: datetime, question: bool = False) -> None:
    """Count one search that found nobody (nothing when no word is left to count)."""
    words = normalised(text, question)
    if not words:
        return
    day = now.date()
    insert = postgresql.insert if uow.dialect == "postgresql" else sqlite.insert
    statement = insert(SearchMiss).values(text=words, count=1, first_day=day, last_day=day)
    statement = statement.on_conflict_do_update(index_elements=["text"], set_={
        "count": col(SearchMiss.count) + 1, "last_day": statement.excluded.last_day})
    await uow.session.exec(statement)


async def top(uow: UnitOfWork, db: Database, limit: int = 20) -> list[Miss]:
    """The most frequent misses that still find nobody (a synonym or a skill added since takes a
    miss off the list: its words now name a skill someone holds)."""
    order = (col(SearchMiss.count).desc(), col(SearchMiss.last_day).desc(), col(SearchMiss.text))
    rows = (await uow.session.exec(select(SearchMiss).order_by(*order).limit(SCAN))).all()
    vocab = await load_vocabulary(uow, db)
    matched = {row.text: set(match_skills(vocab, row.text)) for row in rows}
    wanted = set().union(*matched.values())
    held = set((await uow.session.exec(select(ExpertSkill.skill_id).where(
        col(ExpertSkill.skill_id).in_(wanted)).distinct())).all()) if wanted else set()
    return [Miss(row.text, row.count, row.last_day) for row in rows if not matched[row.text] & held][:limit]
