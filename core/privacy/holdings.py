"""Everything Parvis holds about one member, table by table: what ``privacy export`` hands over.

Each section is a table and the rows of it that are about the member — by a column naming them
(``member_id``, ``asker_id``, ``created_by``…), by their e-mail address (``role_seed``), as the target
of a message (``delivery``), or as what an audit entry is about. A row is given whole, every column,
with a few words of context where an id alone says nothing (the skill's name, the group's, the
campaign's and the prompt's). Left out on purpose: a campaign's or a poll's ``anonymity_salt`` (it keys the
anonymous answers of everyone), the bytes of a file kept for download, and answers to anonymous
campaigns, which are stored without the member (``core.campaigns.answers``).

``tests/test_privacy_export.py`` compares the sections with a scan of every column of every table, so
a table added later that mentions members fails it until it has its section here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import String, cast, or_
from sqlmodel import SQLModel, col, select

from core.activity.models import ActivityEvent, ActivityWeek, AuditEntry
from core.campaigns.models import Campaign, CampaignPrompt, CampaignShare, Response, Round
from core.campaigns.preference_models import CampaignPreference
from core.delivery.models import Delivery
from core.directory.models import (
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
from core.moderation.models import Report
from core.pairing.models import Pairing, PairingParticipant, PairingPause, PairingSetup
from core.polls.models import Poll, PollVote
from core.runtime.db import UnitOfWork
from core.web.models import WebSession

Row = dict[str, Any]
#: columns never handed over, per table (see the module's docstring)
WITHHELD: dict[str, frozenset[str]] = {"campaign": frozenset({"anonymity_salt"}),
                                       "poll": frozenset({"anonymity_salt"}),
                                       "download": frozenset({"content"}),
                                       "member": frozenset({"erased_key"}),
                                       "web_session": frozenset({"token_hash"})}


def row(item: SQLModel, **context: Any) -> Row:
    """Every column of ``item`` but the withheld ones, plus ``context``."""
    withheld = WITHHELD.get(str(item.__tablename__), frozenset())
    return {k: v for k, v in item.model_dump().items() if k not in withheld} | context


def rows(items: Any) -> list[Row]:
    return [row(item) for item in items]


class Holder:
    """One member's rows, read in the caller's transaction."""

    def __init__(self, uow: UnitOfWork, member: Member) -> None:
        assert member.id is not None
        self.uow, self.member, self.id = uow, member, member.id

    async def all(self, model: type[SQLModel], *where: Any) -> list[Row]:
        return rows((await self.uow.session.exec(select(model).where(*where))).all())

    async def joined(self, statement: Any, *names: str) -> list[Row]:
        """Rows of ``statement`` (a model, then values), each model's row with the values as ``names``."""
        return [row(found[0], **dict(zip(names, found[1:], strict=True)))
                for found in (await self.uow.session.exec(statement)).all()]

    async def identifiers(self) -> list[str]:
        """The strings that name the member in free text: e-mail and platform user ids."""
        ids = (await self.uow.session.exec(
            select(Identity.user_id).where(col(Identity.member_id) == self.id))).all()
        return [text for text in (self.member.email, *ids) if text]

    async def member_(self) -> list[Row]:
        return [row(self.member)]

    async def identity(self) -> list[Row]:
        return await self.all(Identity, col(Identity.member_id) == self.id)

    async def member_role(self) -> list[Row]:
        return await self.all(MemberRole, col(MemberRole.member_id) == self.id)

    async def role_seed(self) -> list[Row]:
        email = self.member.email
        return await self.all(RoleSeed, col(RoleSeed.email) == email) if email else []

    async def expert_skill(self) -> list[Row]:
        return await self.joined(select(ExpertSkill, Skill.name)
                                 .join(Skill, col(Skill.id) == col(ExpertSkill.skill_id))
                                 .where(col(ExpertSkill.member_id) == self.id), "skill")

    async def expert_status(self) -> list[Row]:
        return await self.all(ExpertStatus, col(ExpertStatus.member_id) == self.id)

    async def skill_alias(self) -> list[Row]:
        return await self.joined(select(SkillAlias, Skill.name)
                                 .join(Skill, col(Skill.id) == col(SkillAlias.skill_id))
                                 .where(col(SkillAlias.added_by) == self.id), "skill")

    async def group_member(self) -> list[Row]:
        return await self.joined(select(GroupMember, Group.slug, Group.name)
                                 .join(Group, col(Group.id) == col(GroupMember.group_id))
                                 .where(col(GroupMember.member_id) == self.id), "group", "group_name")

    async def groups(self) -> list[Row]:
        return await self.all(Group, col(Group.created_by) == self.id)

    async def group_channel(self) -> list[Row]:
        return await self.all(GroupChannel, col(GroupChannel.linked_by) == self.id)

    async def announcement(self) -> list[Row]:
        return await self.all(Announcement, col(Announcement.author_id) == self.id)

    async def pairing_setup(self) -> list[Row]:
        return await self.all(PairingSetup, col(PairingSetup.updated_by) == self.id)

    async def pairing_participant(self) -> list[Row]:
        return await self.all(PairingParticipant, col(PairingParticipant.member_id) == self.id)

    async def pairing_pause(self) -> list[Row]:
        return await self.all(PairingPause, col(PairingPause.member_id) == self.id)

    async def pairing(self) -> list[Row]:
        """The coffee pairs they were in (``members`` holds ids, JSON: filtered here, portably)."""
        rows = await self.all(Pairing)
        return [found for found in rows if self.id in (found.get("members") or [])
                or found.get("answered_by") == self.id]

    async def moderation_report(self) -> list[Row]:
        return await self.all(Report, or_(col(Report.reporter_id) == self.id,
                                          col(Report.author_id) == self.id,
                                          col(Report.decided_by) == self.id))

    async def poll(self) -> list[Row]:
        return await self.all(Poll, col(Poll.author_id) == self.id)

    async def poll_vote(self) -> list[Row]:
        """Their votes in polls that were not anonymous (anonymous ones hold no member id)."""
        return await self.joined(select(PollVote, Poll.question)
                                 .join(Poll, col(Poll.id) == col(PollVote.poll_id))
                                 .where(col(PollVote.member_id) == self.id), "poll")

    async def question(self) -> list[Row]:
        return await self.all(Question, or_(col(Question.asker_id) == self.id,
                                            col(Question.assignee_id) == self.id))

    async def question_route(self) -> list[Row]:
        return await self.all(QuestionRoute, col(QuestionRoute.expert_id) == self.id)

    async def answer(self) -> list[Row]:
        return await self.all(Answer, col(Answer.author_id) == self.id)

    async def campaign(self) -> list[Row]:
        return await self.all(Campaign, col(Campaign.created_by) == self.id)

    async def campaign_share(self) -> list[Row]:
        return await self.all(CampaignShare, or_(col(CampaignShare.member_id) == self.id,
                                                 col(CampaignShare.shared_by) == self.id))

    async def campaign_preference(self) -> list[Row]:
        return await self.joined(select(CampaignPreference, Campaign.title)
                                 .join(Campaign, col(Campaign.id) == col(CampaignPreference.campaign_id))
                                 .where(col(CampaignPreference.member_id) == self.id), "campaign")

    async def response(self) -> list[Row]:
        return await self.joined(
            select(Response, Campaign.title, CampaignPrompt.text)
            .join(Round, col(Round.id) == col(Response.round_id))
            .join(Campaign, col(Campaign.id) == col(Round.campaign_id))
            .join(CampaignPrompt, col(CampaignPrompt.id) == col(Response.prompt_id))
            .where(col(Response.member_id) == self.id), "campaign", "prompt")

    async def delivery(self) -> list[Row]:
        return await self.all(Delivery, col(Delivery.target_kind) == "member",
                              col(Delivery.target_id) == str(self.id))

    async def activity_event(self) -> list[Row]:
        return await self.all(ActivityEvent, col(ActivityEvent.member_id) == self.id)

    async def activity_week(self) -> list[Row]:
        return await self.all(ActivityWeek, col(ActivityWeek.member_id) == self.id)

    async def audit_entry(self) -> list[Row]:
        return await self.all(AuditEntry, about(self.uow, self.id, await self.identifiers()))

    async def download(self) -> list[Row]:
        return await self.all(Download, col(Download.member_id) == self.id)

    async def web_session(self) -> list[Row]:
        return await self.all(WebSession, col(WebSession.member_id) == self.id)


def about(uow: UnitOfWork, member_id: int, identifiers: list[str]) -> Any:
    """The audit entries about a member: done by them, aimed at them (``member:<id>``, their address or
    a platform id as typed), or naming them in their detail (``{"member": <id>}``, or a string)."""
    named = col(AuditEntry.detail)["member"]
    # PostgreSQL compares the text of the value (a cast to integer would fail on a string there);
    # SQLite's json_extract gives the number itself, which equals no text
    by_id = (named.as_string() == str(member_id) if uow.dialect == "postgresql"
             else named.as_integer() == member_id)
    detail = cast(col(AuditEntry.detail), String)
    return or_(col(AuditEntry.actor_id) == member_id, col(AuditEntry.target) == f"member:{member_id}", by_id,
               *[col(AuditEntry.target).contains(text, autoescape=True) for text in identifiers],
               *[detail.contains(text, autoescape=True) for text in identifiers])


Section = Callable[[Holder], Awaitable[list[Row]]]
#: table → its rows about the member, in the order the export lists them
SECTIONS: dict[str, Section] = {
    "member": Holder.member_, "identity": Holder.identity, "member_role": Holder.member_role,
    "role_seed": Holder.role_seed, "expert_skill": Holder.expert_skill,
    "expert_status": Holder.expert_status, "skill_alias": Holder.skill_alias,
    "group_member": Holder.group_member, "groups": Holder.groups, "group_channel": Holder.group_channel,
    "announcement": Holder.announcement, "pairing_setup": Holder.pairing_setup,
    "pairing_participant": Holder.pairing_participant, "pairing_pause": Holder.pairing_pause,
    "pairing": Holder.pairing, "moderation_report": Holder.moderation_report,
    "poll": Holder.poll, "poll_vote": Holder.poll_vote,
    "question": Holder.question, "question_route": Holder.question_route, "answer": Holder.answer,
    "campaign": Holder.campaign, "campaign_share": Holder.campaign_share,
    "campaign_preference": Holder.campaign_preference, "response": Holder.response,
    "delivery": Holder.delivery, "activity_event": Holder.activity_event,
    "activity_week": Holder.activity_week, "audit_entry": Holder.audit_entry, "download": Holder.download,
    "web_session": Holder.web_session,
}


async def holdings(uow: UnitOfWork, member: Member) -> dict[str, list[Row]]:
    """Every section, its rows about ``member`` (empty sections included: the member sees what is not
    held too)."""
    holder = Holder(uow, member)
    return {name: await section(holder) for name, section in SECTIONS.items()}
