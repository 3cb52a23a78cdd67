"""The expert directory and routed questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from core.models.base import json_column, utcnow, when

QUESTION_STATUSES: tuple[str, ...] = ("open", "routed", "answered", "escalated", "closed", "expired")
ROUTE_OUTCOMES: tuple[str, ...] = ("answered", "passed", "timed_out")


class Skill(SQLModel, table=True):
    """A canonical skill; aliases and translations point to it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class SkillAlias(SQLModel, table=True):
    """Another name of a skill (``k8s`` for kubernetes), stored normalised."""

    __tablename__ = "skill_alias"

    alias: str = Field(primary_key=True, max_length=100)
    skill_id: int = Field(foreign_key="skill.id", index=True, ondelete="CASCADE")


class ExpertSkill(SQLModel, table=True):
    """A member's declared skill, level 1–3; ``referent`` marks the skill's referent."""

    __tablename__ = "expert_skill"
    # Search reads holders of a skill best level first without touching the table (covering index).
    __table_args__ = (Index("ix_expert_skill_skill_level", "skill_id", "level", "member_id"),)

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    skill_id: int = Field(foreign_key="skill.id", primary_key=True, index=True, ondelete="CASCADE")
    level: int = Field(default=2, ge=1, le=3)
    referent: bool = False
    added_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


class ExpertStatus(SQLModel, table=True):
    """An expert's availability: away (until a date, or until they come back)."""

    __tablename__ = "expert_status"

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    away: bool = False
    away_until: datetime | None = Field(default=None, sa_column=when())


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
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=when())


class QuestionRoute(SQLModel, table=True):
    """One step of a question's routing history."""

    __tablename__ = "question_route"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    expert_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    routed_at: datetime = Field(sa_column=when(nullable=False))
    outcome: str | None = Field(default=None, max_length=12)
    outcome_at: datetime | None = Field(default=None, sa_column=when())
    message: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())


class Answer(SQLModel, table=True):
    """An answer to a question."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=when(nullable=False))


__all__ = ["Answer", "ExpertSkill", "ExpertStatus", "Question", "QuestionRoute", "Skill", "SkillAlias"]
