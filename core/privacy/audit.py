"""The audit trail of privacy rights: who exported or erased their data, and when.

Why here and not in each command: both rights leave the same kind of entry, written in the
transaction that did the work, so an export or an erasure that failed leaves none. The entry names
the member by id only (``member:<id>``): after an erasure nothing else about them is left to name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.activity.models import AuditEntry
from core.runtime.db import UnitOfWork


def record(uow: UnitOfWork, action: str, member_id: int, now: datetime, **detail: Any) -> None:
    """Add the entry ``privacy.<action>`` for the member's own request (they are actor and target)."""
    uow.session.add(AuditEntry(actor_id=member_id, action=f"privacy.{action}", target=f"member:{member_id}",
                               at=now, detail=detail))
