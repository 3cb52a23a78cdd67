"""The governance gate: what stands between a member and a command before the permission table.

The router (``core.commands.router``) asks ``admission`` for every command and click, in the
command's transaction, before the permission table and the handler. In order:

1. **Pilot** (``[rollout] mode = "pilot"``): someone outside the pilot groups (and not an admin) is
   told once that Parvis is not open to them yet (``rollout.not_yet``), and after that gets a silent
   reply — each adapter then answers its platform with nothing to show. ``privacy`` stays open:
   a person's data rights do not wait for a launch.
2. **Areas** (``[rollout.areas]``): a command of a switched-off area is refused, for everyone
   (``help`` does not list it either: ``core.commands.general``).
3. **Charter** (``[governance] require_charter``): until the member accepted the charter's current
   version, only ``help``, ``charter``, ``lang`` and ``privacy`` run. The first other command is
   answered with the charter itself and its *Accept* button (not an error: the command simply did
   not run); later ones with a short reminder and the button again — the charter is read once, not
   pushed at every word. A new version shows it in full again.

Text the grammar refused gets the pilot's notice or silence too (``outside_pilot``), rather than a
usage hint: the router asks before it explains the mistake.

``may_remember`` tells the router whether a kept reply may answer without asking ``admission`` (no
database read): never in pilot mode (membership is read per command), never for a switched-off area
or a member who owes the charter.
"""

from __future__ import annotations

from datetime import datetime

from core.directory.members import Resolution
from core.directory.models import Member
from core.errors import Forbidden
from core.governance import areas, charter, messages, rollout
from core.i18n import Translator
from core.messages import Reply
from core.runtime.db import UnitOfWork
from core.settings import Settings

#: what runs before the charter is accepted (the first word of a command or an action id)
BEFORE_CHARTER = frozenset({"help", "charter", "lang", "privacy"})
#: what runs for everyone during a pilot
BEFORE_PILOT = frozenset({"privacy"})


def _first(name: str) -> str:
    return name.replace(".", " ").split(" ", 1)[0]


def _owes_charter(settings: Settings, who: Resolution, name: str) -> bool:
    governance = settings.governance
    return (governance.require_charter and _first(name) not in BEFORE_CHARTER
            and charter.needs_acceptance(who.value("charter_version"), charter.load(governance.charter_dir)))


def piloted(settings: Settings, who: Resolution, name: str) -> bool:
    """Whether the pilot's membership must be checked for this member and command (or text)."""
    return (settings.rollout.mode == "pilot" and _first(name) not in BEFORE_PILOT
            and "admin" not in who.roles)


def may_remember(settings: Settings, who: Resolution, name: str) -> bool:
    """Whether ``admission`` would let ``name`` through without reading anything: then a reply kept
    in memory may answer it."""
    return (settings.rollout.mode != "pilot" and areas.is_open(name, settings.rollout.disabled_areas)
            and not _owes_charter(settings, who, name))


async def admission(uow: UnitOfWork, settings: Settings, who: Resolution, name: str, t: Translator,
                    now: datetime) -> Reply | None:
    """The reply that stands in for the command or click ``name`` (the pilot's notice or silence,
    the charter, its reminder), ``None`` to let it through; ``Forbidden`` for a switched-off area."""
    if piloted(settings, who, name):
        outside = await outside_pilot(uow, settings, who, t, now)
        if outside is not None:
            return outside
    area = areas.area_of(name)
    if area is not None and area in settings.rollout.disabled_areas:
        raise Forbidden("rollout.area_closed", area=t(f"rollout.area.{area}"))
    if _owes_charter(settings, who, name):
        current = charter.load(settings.governance.charter_dir)
        if who.value("charter_shown") == current.version:
            return messages.reminder(t, current)
        await charter.mark_shown(uow, who.member_id, current.version)
        return messages.charter_reply(t, current, acceptable=True, note=t("charter.first_use"))
    return None


async def outside_pilot(uow: UnitOfWork, settings: Settings, who: Resolution, t: Translator,
                        now: datetime) -> Reply | None:
    """For someone outside the pilot groups, the one notice (remembered on the member), then
    silence; ``None`` for a member of one."""
    if await rollout.in_pilot(uow, who.member_id, settings.rollout.pilot_groups):
        return None
    if who.value("pilot_notified_at") is not None:
        return Reply(text="", silent=True)
    member = await uow.session.get(Member, who.member_id)
    assert member is not None
    if member.pilot_notified_at is not None:  # told a moment ago by another process
        return Reply(text="", silent=True)
    member.pilot_notified_at = now
    uow.session.add(member)
    return Reply(text=t("rollout.not_yet"))
