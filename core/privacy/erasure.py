"""``privacy delete``: erase a member's personal data; they may come back later as a new person.

What goes: the profile (e-mail, name, title, department, location, time zone — the address is kept
only as a key that recognises it, ``core.directory.erased``), every platform identity with its
conversation reference, the references of messages sent to them, their roles (and the ``[roles]``
seeds of their address), group memberships, skills and availability, campaigns shared with them,
files kept for them to download; the texts of their questions and answers and of their campaign
answers; their address or platform ids in the audit trail (replaced by ``member:<id>``). A question
they asked that others may reuse as a public answer keeps its text without its asker, and so does
their answer to such a question. Their questions still waiting for an answer are closed; questions
they hold go to the next expert at once.

What stays, and why: the member row itself, blank — an id that names nobody — with ``erased_at``.
Activity events, the weekly roll-up, campaign participation (who was sent a prompt, who answered,
the choices and scale values) and question counts keep pointing at that id, so that adoption figures
and campaign participation stay true (``core.stats`` counts an erased member's past activity, in no
figure by department, role or group). Groups and campaigns they created, and synonyms they added,
stay the organisation's, their creator now nobody in particular.

The member row is locked first (``FOR UPDATE`` on PostgreSQL), so a command of theirs running at the
same moment either finishes before and is erased with the rest, or sees the erasure and writes
nothing (``core.commands.router``). A new identity of the same person (Slack, Teams) makes a new
member (``core.directory.members.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel, col, delete, select, update

from core.activity.models import AuditEntry
from core.campaigns.models import CampaignShare, Response
from core.campaigns.preference_models import CampaignPreference
from core.delivery.models import Delivery
from core.directory import erased as erased_addresses
from core.directory.models import ExpertSkill, ExpertStatus, Identity, Member, MemberRole, RoleSeed
from core.directory.roles import admin_count
from core.downloads.models import Download
from core.errors import Conflict, NotFound
from core.experts.models import Answer, Question
from core.experts.questions import ACTIVE
from core.groups.models import GroupMember
from core.pairing.models import PairingParticipant, PairingPause
from core.privacy import audit
from core.privacy.holdings import about
from core.runtime.db import UnitOfWork
from core.web.models import WebSession


@dataclass(frozen=True)
class Erased:
    """What one erasure changed, per table (the audit entry keeps these counts, nothing else)."""

    member_id: int
    counts: dict[str, int]


async def locked(uow: UnitOfWork, member_id: int) -> Member:
    """The member's row, locked for this transaction (read again, whatever the session held)."""
    statement = (select(Member).where(col(Member.id) == member_id).with_for_update()
                 .execution_options(populate_existing=True))
    member = (await uow.session.exec(statement)).first()
    if member is None:
        raise NotFound("errors.member_not_found", who=f"#{member_id}")
    return member


async def _count(uow: UnitOfWork, statement: Any) -> int:
    return int((await uow.session.exec(statement)).rowcount or 0)


#: the rows that tie a member to platforms, people and things, deleted whole: table → its member column
OWNED: tuple[tuple[type[SQLModel], Any], ...] = (
    (Identity, Identity.member_id), (MemberRole, MemberRole.member_id), (ExpertSkill, ExpertSkill.member_id),
    (ExpertStatus, ExpertStatus.member_id), (GroupMember, GroupMember.member_id),
    (CampaignShare, CampaignShare.member_id), (Download, Download.member_id),
    (CampaignPreference, CampaignPreference.member_id),
    (PairingParticipant, PairingParticipant.member_id), (PairingPause, PairingPause.member_id),
    (WebSession, WebSession.member_id))


async def _links(uow: UnitOfWork, member: Member) -> dict[str, int]:
    """Delete what ties the member to platforms, people and things: identities, roles, memberships…"""
    counts = {str(model.__tablename__): await _count(uow, delete(model).where(col(column) == member.id))
              for model, column in OWNED}
    if member.email:
        counts["role_seed"] = await _count(uow, delete(RoleSeed).where(col(RoleSeed.email) == member.email))
    return counts


async def _questions(uow: UnitOfWork, member_id: int, now: datetime) -> int:
    """Their questions lose their text, unless reused (then their asker); those waiting for an answer
    close; those they hold move on at the next deadline run."""
    mine = col(Question.asker_id) == member_id
    await uow.session.exec(update(Question).where(mine, col(Question.status).in_(ACTIVE))
                           .values(status="closed", closed_at=now, deadline_at=None))
    await uow.session.exec(update(Question).where(col(Question.assignee_id) == member_id,
                                                  col(Question.status).in_(("routed", "escalated")))
                           .values(deadline_at=now))
    kept = await _count(uow, update(Question).where(mine, col(Question.reusable)).values(asker_id=None))
    return kept + await _count(uow, update(Question).where(mine, ~col(Question.reusable)).values(text=""))


async def _answers(uow: UnitOfWork, member_id: int) -> dict[str, int]:
    """Their answers lose their text, unless to a reused question (then their author); so do their
    campaign answers."""
    mine = col(Answer.author_id) == member_id
    reused = select(Question.id).where(col(Question.reusable))
    kept = await _count(uow, update(Answer).where(mine, col(Answer.question_id).in_(reused))
                        .values(author_id=None))
    blanked = await _count(uow, update(Answer).where(mine).values(text=""))
    responses = await _count(uow, update(Response).where(col(Response.member_id) == member_id)
                             .values(text=None))
    return {"answer": kept + blanked, "response": responses}


async def _messages(uow: UnitOfWork, member_id: int) -> dict[str, int]:
    """Forget where the messages sent to them are (conversation and message ids on their platform):
    an expert's question cards too, which the outbox keeps (``core.experts.notices``)."""
    to_them = (col(Delivery.target_kind) == "member", col(Delivery.target_id) == str(member_id))
    return {"delivery": await _count(uow, update(Delivery).where(*to_them).values(message_ref={}))}


def _scrub(value: Any, marks: list[str], replacement: str) -> Any:
    """``value`` (JSON) with every string that holds one of ``marks`` replaced."""
    if isinstance(value, str):
        return replacement if any(mark in value for mark in marks) else value
    if isinstance(value, list):
        return [_scrub(item, marks, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, marks, replacement) for key, item in value.items()}
    return value


async def _audit(uow: UnitOfWork, member: Member, identifiers: list[str]) -> int:
    """The audit trail keeps what happened, naming the member only as ``member:<id>``."""
    assert member.id is not None
    marks = identifiers + ([member.display_name] if member.display_name else [])
    name = f"member:{member.id}"
    changed = 0
    for entry in (await uow.session.exec(select(AuditEntry).where(about(uow, member.id, identifiers)))).all():
        target, detail = _scrub(entry.target, marks, name), _scrub(entry.detail, marks, name)
        if (target, detail) != (entry.target, entry.detail):
            entry.target, entry.detail = target, detail
            uow.session.add(entry)
            changed += 1
    return changed


def _blank(member: Member, now: datetime, secrets: tuple[str, ...]) -> None:
    """The profile emptied; the address kept only as a key that recognises it."""
    if member.email and secrets:
        member.erased_key = erased_addresses.key_of(member.email, secrets[0])
    member.email = None
    member.display_name = member.title = member.department = member.location = ""
    member.timezone = "UTC"
    member.locale_chosen, member.charter_accepted_at, member.campaign_opt_out = False, None, True
    member.erased_at = now


async def erase(uow: UnitOfWork, member_id: int, now: datetime, *, secrets: tuple[str, ...]) -> Erased:
    """Erase the member's personal data in ``uow`` (see the module's docstring); ``Conflict`` when
    they were erased already, or are the last admin (Parvis is never left without one)."""
    member = await locked(uow, member_id)
    if member.erased_at is not None:
        raise Conflict("privacy.already_erased", date=member.erased_at.date())
    held = await uow.session.get(MemberRole, (member_id, "admin"))
    if held is not None and await admin_count(uow) <= 1:
        raise Conflict("privacy.last_admin")
    users = (await uow.session.exec(
        select(Identity.user_id).where(col(Identity.member_id) == member_id))).all()
    found = {"audit_entry": await _audit(uow, member, [text for text in (member.email, *users) if text])}
    found |= await _links(uow, member)
    found["question"] = await _questions(uow, member_id, now)
    found |= await _answers(uow, member_id) | await _messages(uow, member_id)
    _blank(member, now, secrets)
    uow.session.add(member)
    changed = {name: n for name, n in found.items() if n}
    audit.record(uow, "erase", member_id, now, **changed)
    return Erased(member_id, changed)
