"""Reports and decisions: what ``moderation report`` writes and what a moderator's click does.

A report is written with one outbox delivery per moderator (``report:<id>``, purpose
``moderation.report``): moderators get it however they are reachable, retried like any message.
The first decision wins (the report row is locked, and a decided report refuses the next click);
each decision is audited (``AuditEntry`` ``moderation.<decision>``) and the reporter is told the
outcome through the outbox — never who decided. *Remove* deletes the message on its platform when
Parvis posted it: the outbox row that sent it is found by the reference the platform gave back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from core.access.rules import ADMIN, MODERATOR
from core.activity.models import AuditEntry
from core.delivery.models import Delivery
from core.delivery.outbox import Source, Target, enqueue
from core.directory.models import Identity, Member, MemberRole
from core.errors import Conflict, InvalidInput, NotFound
from core.groups.models import Announcement
from core.moderation.links import MessageLink
from core.moderation.models import Report
from core.ports import SentMessage

if TYPE_CHECKING:
    from core.commands import Actor
    from core.runtime.db import UnitOfWork

#: outbox purposes: the card to each moderator, the outcome to the reporter, the warning to the author
TO_MODERATOR, TO_REPORTER, TO_AUTHOR = "moderation.report", "moderation.outcome", "moderation.warning"
DECISIONS = {"dismiss": "dismissed", "remove": "removed", "warn": "warned"}
MAX_REASON = 1000


def source_of(report: Report) -> Source:
    assert report.id is not None
    return Source("report", report.id)


def _conversation_of(ref_conversation: str, platform: str) -> str:
    """The conversation a sent message's reference names: Teams keeps ``<service URL>|<id>`` and a
    channel thread's id ends in ``;messageid=…``, which a message link leaves out."""
    if platform == "teams":
        return ref_conversation.rpartition("|")[2].partition(";")[0]
    return ref_conversation


async def posted(uow: UnitOfWork, link: MessageLink) -> Delivery | None:
    """The outbox row through which Parvis posted the linked message, if it did."""
    statement = (select(Delivery)
                 .where(Delivery.status == "sent",
                        col(Delivery.message_ref)["message_id"].as_string() == link.message_id,
                        col(Delivery.message_ref)["platform"].as_string() == link.platform)
                 .order_by(col(Delivery.id)))
    for row in (await uow.session.exec(statement)).all():
        if _conversation_of(str(row.message_ref.get("conversation", "")), link.platform) == link.conversation:
            return row
    return None


def sent_message(delivery: Delivery) -> SentMessage:
    ref = delivery.message_ref
    return SentMessage(str(ref["platform"]), str(ref["conversation"]), str(ref["message_id"]))


async def _author(uow: UnitOfWork, delivery: Delivery | None,
                  account: tuple[str, str, str] | None) -> int | None:
    """Who wrote the message, when known: the member behind an announcement Parvis posted, or the
    platform account the report came with (a shortcut knows the message's author)."""
    if delivery is not None and delivery.source.startswith("announcement:"):
        announcement = await uow.session.get(Announcement, int(delivery.source.partition(":")[2]))
        return announcement.author_id if announcement is not None else None
    if account is None or not account[2]:
        return None
    platform, tenant, user_id = account
    statement = select(Identity.member_id).where(Identity.platform == platform, Identity.tenant == tenant,
                                                 Identity.user_id == user_id)
    return (await uow.session.exec(statement)).first()


async def moderators(uow: UnitOfWork) -> list[int]:
    """Every member who moderates (admins hold every role), erased ones left out."""
    statement = (select(MemberRole.member_id).join(Member, col(Member.id) == col(MemberRole.member_id))
                 .where(col(MemberRole.role).in_([MODERATOR, ADMIN]), col(Member.erased_at).is_(None))
                 .distinct().order_by(col(MemberRole.member_id)))
    return list((await uow.session.exec(statement)).all())


@dataclass(frozen=True)
class Filed:
    report: Report
    deliveries: list[int]
    moderators: int


async def report(uow: UnitOfWork, reporter: int, link: MessageLink, reason: str, now: datetime,
                 author: Actor | None = None) -> Filed:
    """Record the report and one delivery to each moderator; ``Conflict`` when nobody moderates."""
    if len(reason) > MAX_REASON:
        raise InvalidInput("moderation.reason_too_long", length=len(reason), limit=MAX_REASON)
    targets = [Target.member(member_id) for member_id in await moderators(uow)]
    if not targets:
        raise Conflict("moderation.no_moderators")
    delivery = await posted(uow, link)
    account = (author.platform, author.tenant, author.user_id) if author is not None else None
    row = Report(reporter_id=reporter, link=link.url, platform=link.platform, tenant=link.tenant,
                 conversation=link.conversation, message_id=link.message_id, reason=reason.strip(),
                 delivery_id=delivery.id if delivery is not None else None,
                 author_id=await _author(uow, delivery, account), created_at=now)
    uow.session.add(row)
    await uow.session.flush()
    uow.session.add(AuditEntry(actor_id=reporter, action="moderation.report", target=f"report:{row.id}",
                               at=now, detail={"link": link.url, "posted_by_parvis": delivery is not None}))
    return Filed(row, await enqueue(uow, source_of(row), TO_MODERATOR, targets, now), len(targets))


async def locked(uow: UnitOfWork, value: str) -> Report:
    """The report a button names, locked for this transaction."""
    try:
        report_id = int(value.strip().lstrip("#"))
    except ValueError as exc:
        raise InvalidInput("moderation.bad_id", id=value[:40]) from exc
    found = (await uow.session.exec(select(Report).where(Report.id == report_id).with_for_update())).first()
    if found is None:
        raise NotFound("moderation.not_found", id=report_id)
    return found


async def decide(uow: UnitOfWork, row: Report, decision: str, moderator: int, now: datetime,
                 detail: dict[str, object] | None = None) -> list[int]:
    """Settle an open report: its status, the audit entry, the outcome to the reporter and (warn) the
    warning to the author, as outbox rows sent after commit. ``Conflict`` if it was decided already."""
    if decision not in DECISIONS:
        raise InvalidInput("moderation.bad_decision", decision=decision[:40])
    if row.status != "open":
        raise Conflict("moderation.already_decided", id=row.id, outcome=row.status)
    row.status, row.decided_at, row.decided_by = DECISIONS[decision], now, moderator
    uow.session.add(row)
    uow.session.add(AuditEntry(actor_id=moderator, action=f"moderation.{decision}", target=f"report:{row.id}",
                               at=now, detail={"link": row.link, **(detail or {})}))
    queued: list[int] = []
    if row.reporter_id is not None:
        queued += await enqueue(uow, source_of(row), TO_REPORTER, [Target.member(row.reporter_id)], now)
    if decision == "warn" and row.author_id is not None:
        queued += await enqueue(uow, source_of(row), TO_AUTHOR, [Target.member(row.author_id)], now)
    return queued
