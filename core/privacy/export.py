"""``privacy export``: everything Parvis holds about a member, as one JSON file for them to keep.

The file says what it is, when it was made and, for each section (a table of the database), in the
member's language what the section holds, then the rows themselves (``core.privacy.holdings``).
Dates are ISO 8601 in UTC. The file goes with the reply as a ``core.messages.Attachment``, and each
platform hands it over its own way (Slack: a file in the member's direct messages; Teams: a link that
works once; the console: a file readable by its owner only). The export is audited (``privacy.export``,
with the number of rows, not their content).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from core.dates import day_of
from core.directory.models import Member
from core.i18n import Translator
from core.messages import Attachment
from core.privacy.holdings import Row, holdings
from core.runtime.db import UnitOfWork

#: the version of the file's layout, for whoever reads it with a program
FORMAT = 1
MEDIA_TYPE = "application/json"


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    raise TypeError(f"{type(value).__name__} is not JSON")


def document(t: Translator, member_id: int, now: datetime, sections: dict[str, list[Row]]) -> dict[str, Any]:
    """The export as JSON-ready values."""
    return {
        "parvis_export": FORMAT,
        "exported_at": now,
        "member_id": member_id,
        "about": t("privacy.export.about"),
        "sections": {name: {"about": t(f"privacy.section.{name}"), "rows": found}
                     for name, found in sections.items()},
    }


def encode(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, indent=2, default=_value).encode()


async def export(uow: UnitOfWork, member: Member, now: datetime, locale: str) -> tuple[Attachment, int]:
    """The member's export file and how many rows it holds."""
    assert member.id is not None
    t = Translator(locale, plain=True)
    sections = await holdings(uow, member)
    data = encode(document(t, member.id, now, sections))
    name = f"parvis-export-{now.date().isoformat()}.json"
    title = t("privacy.export.file_title", date=day_of(now, member.timezone))
    file = Attachment(data=data, name=name, media_type=MEDIA_TYPE, description=title, member_id=member.id)
    return file, sum(len(found) for found in sections.values())
