"""The schema: SQLModel tables for every part of the domain (DESIGN.md §2).

Importing this package registers every table on ``SQLModel.metadata``; Alembic migrations are
checked against it by a test.
"""

from core.models.activity import ActivityEvent, AuditEntry
from core.models.campaigns import Campaign, CampaignPrompt, Delivery, Response, Round
from core.models.directory import ROLES, Identity, Member, MemberRole
from core.models.events import ProcessedEvent
from core.models.experts import Answer, ExpertSkill, ExpertStatus, Question, QuestionRoute, Skill, SkillAlias
from core.models.groups import Group, GroupChannel, GroupMember

__all__ = [
    "ROLES",
    "ActivityEvent",
    "Answer",
    "AuditEntry",
    "Campaign",
    "CampaignPrompt",
    "Delivery",
    "ExpertSkill",
    "ExpertStatus",
    "Group",
    "GroupChannel",
    "GroupMember",
    "Identity",
    "Member",
    "MemberRole",
    "ProcessedEvent",
    "Question",
    "QuestionRoute",
    "Response",
    "Round",
    "Skill",
    "SkillAlias",
]
