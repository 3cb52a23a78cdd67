"""The schema: SQLModel tables for every part of the domain (DESIGN.md §2).

Importing this package registers every table on ``SQLModel.metadata``; Alembic migrations are
checked against it by a test.
"""

from core.activity.models import ActivityEvent, ActivityWeek, AuditEntry, SearchMiss
from core.campaigns.models import Campaign, CampaignPrompt, CampaignShare, Response, Round
from core.campaigns.preference_models import CampaignPreference
from core.delivery.models import Delivery, RateBucket
from core.directory.models import (
    ROLES,
    ExpertSkill,
    ExpertStatus,
    Identity,
    Member,
    MemberRole,
    RoleSeed,
    Skill,
    SkillAlias,
)
from core.downloads.models import Download
from core.experts.models import Answer, Question, QuestionRoute
from core.groups.models import Announcement, Group, GroupChannel, GroupMember
from core.inbound.models import ProcessedEvent
from core.moderation.models import Report
from core.pairing.models import Pairing, PairingParticipant, PairingPause, PairingRound, PairingSetup
from core.polls.models import Poll, PollVote
from core.web.models import WebSession

__all__ = [
    "ROLES",
    "ActivityEvent",
    "ActivityWeek",
    "Announcement",
    "Answer",
    "AuditEntry",
    "Campaign",
    "CampaignPreference",
    "CampaignPrompt",
    "CampaignShare",
    "Delivery",
    "Download",
    "ExpertSkill",
    "ExpertStatus",
    "Group",
    "GroupChannel",
    "GroupMember",
    "Identity",
    "Member",
    "MemberRole",
    "Pairing",
    "PairingParticipant",
    "PairingPause",
    "PairingRound",
    "PairingSetup",
    "Poll",
    "PollVote",
    "ProcessedEvent",
    "Question",
    "QuestionRoute",
    "RateBucket",
    "Report",
    "Response",
    "RoleSeed",
    "Round",
    "SearchMiss",
    "Skill",
    "SkillAlias",
    "WebSession",
]
