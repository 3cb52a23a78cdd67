"""What the web console's other pages show: the audit trail and the live sessions (admins), read
under the permission table's rows (``audit``, ``web.revoke``)."""

from __future__ import annotations

from core.access.rules import permits
from core.access.table import TABLE
from core.activity import audit
from core.activity.audit import AuditLine
from core.errors import Forbidden
from core.services import Services
from core.web import sessions
from core.web.sessions import SessionLine, Visitor

#: how many audit entries the page shows (``parvis audit`` reads them all)
AUDIT_SHOWN = 200


def require(visitor: Visitor, name: str) -> None:
    """Refuse what the member's roles do not allow, with the row's own refusal."""
    rule = TABLE[name]
    if not permits(visitor.roles, rule):
        raise Forbidden(rule.denied)


async def audit_trail(services: Services, visitor: Visitor) -> list[AuditLine]:
    """The newest entries of the audit trail, for admins."""
    require(visitor, "audit")
    async with services.db.uow() as uow:
        return await audit.entries(uow, limit=AUDIT_SHOWN, newest_first=True)


async def live_sessions(services: Services, visitor: Visitor) -> list[SessionLine]:
    """Every live web console session, for admins (who may revoke them)."""
    require(visitor, "web.revoke")
    return await sessions.listing(services.db, services.clock.now())
