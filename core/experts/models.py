"""Questions asked to the expert directory, their routing history and their answers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.runtime.columns import json_column, utcnow, when

QUESTION_STATUSES: tuple[str, ...] = ("open", "routed", "answered", "escalated", "closed", "expired")
ROUTE_OUTCOMES: tuple[str, ...] = ("answered", "passed", "timed_out", "closed", "superseded")


class Question(SQLModel, table=True):
    """A question asked to the directory, routed from expert to expert."""

    id: int | None = Field(default=None, primary_key=True)
    asker_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="SET NULL")
    text: str = Field(max_length=4000)
    skills: list[str] = Field(default_factory=list, sa_column=json_column())
    status: str = Field(default="open", max_length=12, index=True)
    assignee_id: int | None = Field(default=None, foreign_key="member.id", index=True, ondelete="SET NULL")
    deadline_at: datetime | None = Field(default=None, sa_column=when(index=True))
    hops: int = 0
    helpful: bool | None = None
    reusable: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False, index=True))
    closed_at: datetime | None = Field(default=None, sa_column=when())
    #: when it first went to a referent (it stays set once answered): adoption statistics
    escalated_at: datetime | None = Field(default=None, sa_column=when())
    #: the answered question whose answer the asker took instead of asking an expert (``question.reuse``)
    reused_from: int | None = Field(default=None, foreign_key="question.id", ondelete="SET NULL")


class QuestionRoute(SQLModel, table=True):
    """One step of a question's routing history (its card is an outbox row: source ``route:<id>``)."""

    __tablename__ = "question_route"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    expert_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    routed_at: datetime = Field(sa_column=when(nullable=False))
    outcome: str | None = Field(default=None, max_length=12)
    outcome_at: datetime | None = Field(default=None, sa_column=when())


class Answer(SQLModel, table=True):
    """An answer to a question."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


__all__ = ["Answer", "Question", "QuestionRoute"]
