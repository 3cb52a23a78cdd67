"""What moderation sends through the outbox, rendered at send time in the recipient's language:
the report card to each moderator (skipped once the report is decided), the outcome to the reporter
(never naming the moderator), and the warning to the author."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.delivery.outbox import Outgoing
from core.directory.members import address_of
from core.directory.models import Member
from core.i18n import Translator
from core.messages import Button, Reply
from core.moderation.models import Report
from core.ports import MemberAddress
from core.text import shorten

if TYPE_CHECKING:
    from core.delivery.models import Delivery
    from core.runtime.db import UnitOfWork
    from core.settings import Settings

DECIDE = "moderation.decide"
PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams"}


@dataclass(frozen=True)
class Recipient:
    """A moderation delivery's report, and who gets it: where, in which language."""

    report: Report
    address: MemberAddress
    t: Translator


async def _recipient(uow: UnitOfWork, delivery: Delivery) -> Recipient | None:
    """``None`` when the report is gone or the member erased or unreachable: the row is skipped."""
    report = await uow.session.get(Report, int(delivery.source.partition(":")[2]))
    member = await uow.session.get(Member, int(delivery.target_id)) if delivery.target_id.isdigit() else None
    if report is None or member is None or member.id is None or member.erased_at is not None:
        return None
    address = await address_of(uow, member.id)
    return Recipient(report, address, Translator(member.locale)) if address is not None else None


def card(report: Report, t: Translator, reporter: str) -> Reply:
    """The report as a moderator sees it, with the decisions still open to them."""
    assert report.id is not None
    value = str(report.id)
    buttons = [Button(t("moderation.button_dismiss"), DECIDE, f"{value}:dismiss"),
               Button(t("moderation.button_remove"), DECIDE, f"{value}:remove", style="danger")]
    if report.author_id is not None:
        buttons.append(Button(t("moderation.button_warn"), DECIDE, f"{value}:warn"))
    lines = [t("moderation.card_link", link=report.link, platform=PLATFORM_NAMES.get(report.platform, "?")),
             t("moderation.card_reporter", name=reporter),
             t("moderation.card_reason", reason=shorten(report.reason, 500)) if report.reason
             else t("moderation.card_no_reason"),
             t("moderation.card_posted" if report.delivery_id is not None else "moderation.card_not_posted")]
    return Reply(text="\n".join(lines), title=t("moderation.card_title", id=report.id),
                 buttons=tuple(buttons), locale=t.locale)


async def to_moderator(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    found = await _recipient(uow, delivery)
    if found is None or found.report.status != "open":
        return None  # decided meanwhile: nothing left to ask
    reporter_id = found.report.reporter_id
    reporter = await uow.session.get(Member, reporter_id) if reporter_id is not None else None
    name = reporter.display_name if reporter is not None and reporter.display_name else "?"
    return Outgoing(found.address, card(found.report, found.t, name))


async def to_reporter(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    found = await _recipient(uow, delivery)
    if found is None:
        return None
    t, report = found.t, found.report
    text = t(f"moderation.outcome_{report.status}", id=report.id, link=report.link)
    return Outgoing(found.address, Reply(text=text, title=t("moderation.outcome_title"), locale=t.locale))


async def to_author(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    found = await _recipient(uow, delivery)
    if found is None:
        return None
    t = found.t
    return Outgoing(found.address, Reply(text=t("moderation.warning", link=found.report.link),
                                         title=t("moderation.warning_title"), locale=t.locale))
