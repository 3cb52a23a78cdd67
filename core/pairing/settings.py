"""A group's pairing and who takes part: turning it on or off, opting in or out, pausing.

Services over a unit of work (``core/services.py``); the commands in ``core.pairing.commands``
call them. Parsing ``[every <n> weeks] [size 2|3] [cross-department]`` lives here too, so the rules
(1 to 12 weeks, groups of 2 or 3) are in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.errors import Conflict, InvalidInput
from core.groups import lookup
from core.groups.models import Group
from core.pairing.models import PairingParticipant, PairingPause, PairingSetup
from core.runtime.db import UnitOfWork

MAX_WEEKS = 12
SIZES = (2, 3)
OPTION_WORDS = ("every", "size", "cross-department")


@dataclass(frozen=True)
class Options:
    """What ``group pairing on`` asked for; ``None`` keeps the group's current choice (or the default)."""

    every_weeks: int | None = None
    size: int | None = None
    cross_department: bool | None = None


def _number(word: str, what: str) -> int:
    if not word.isdigit():
        raise InvalidInput(f"pairing.bad_{what}", value=word)
    return int(word)


def parse_options(tokens: list[str]) -> tuple[str, Options]:
    """Split ``data science every 2 weeks size 3 cross-department`` into the group reference and the
    options; a wrong number says which and what is allowed."""
    lowered = [token.lower() for token in tokens]
    cut = next((i for i, word in enumerate(lowered) if word in OPTION_WORDS), len(tokens))
    reference, rest = " ".join(tokens[:cut]), lowered[cut:]
    if not reference:
        raise InvalidInput("pairing.no_group")
    every = size = None
    cross: bool | None = None
    index = 0
    while index < len(rest):
        word = rest[index]
        following = rest[index + 1] if index + 1 < len(rest) else ""
        if word == "every":
            every = _number(following, "weeks")
            if not 1 <= every <= MAX_WEEKS:
                raise InvalidInput("pairing.bad_weeks", value=following)
            unit = rest[index + 2] if index + 2 < len(rest) else ""
            index += 3 if unit in ("week", "weeks", "semaine", "semaines") else 2
        elif word == "size":
            size = _number(following, "size")
            if size not in SIZES:
                raise InvalidInput("pairing.bad_size", value=following)
            index += 2
        elif word == "cross-department":
            cross, index = True, index + 1
        else:
            raise InvalidInput("pairing.bad_option", value=word)
    return reference, Options(every, size, cross)


async def turn_on(uow: UnitOfWork, group: Group, options: Options, member_id: int,
                  now: datetime) -> PairingSetup:
    """Start (or change) the group's pairing; the first round is due now, the next at the cadence."""
    assert group.id is not None
    setup = await uow.session.get(PairingSetup, group.id)
    if setup is None:
        setup = PairingSetup(group_id=group.id, enabled=False)
        uow.session.add(setup)
    if not setup.enabled or setup.next_round_at is None:
        setup.next_round_at = now
    setup.enabled = True
    setup.every_weeks = options.every_weeks or setup.every_weeks
    setup.size = options.size or setup.size
    if options.cross_department is not None:
        setup.cross_department = options.cross_department
    setup.updated_by, setup.updated_at = member_id, now
    return setup


async def turn_off(uow: UnitOfWork, group: Group, member_id: int, now: datetime) -> None:
    """No more rounds; opt-ins and history are kept for when it is turned on again."""
    setup = await uow.session.get(PairingSetup, group.id)
    if setup is None or not setup.enabled:
        raise Conflict("pairing.already_off", name=group.name)
    setup.enabled, setup.next_round_at = False, None
    setup.updated_by, setup.updated_at = member_id, now


async def join(uow: UnitOfWork, group: Group, member_id: int, now: datetime) -> bool:
    """Opt in; only members of a group whose pairing is on. ``False`` if already in."""
    assert group.id is not None
    setup = await uow.session.get(PairingSetup, group.id)
    if setup is None or not setup.enabled:
        raise Conflict("pairing.not_on", name=group.name)
    if await lookup.membership(uow, group, member_id) is None:
        raise Conflict("pairing.join_group_first", name=group.name, slug=group.slug)
    if await uow.session.get(PairingParticipant, (group.id, member_id)) is not None:
        return False
    uow.session.add(PairingParticipant(group_id=group.id, member_id=member_id, joined_at=now))
    return True


async def leave(uow: UnitOfWork, group: Group, member_id: int) -> bool:
    """Opt out; ``False`` if not in."""
    row = await uow.session.get(PairingParticipant, (group.id, member_id))
    if row is None:
        return False
    await uow.session.delete(row)
    return True


async def pause(uow: UnitOfWork, member_id: int, until: datetime) -> None:
    """Skip every pairing until ``until`` (replacing an earlier pause)."""
    row = await uow.session.get(PairingPause, member_id)
    if row is None:
        uow.session.add(PairingPause(member_id=member_id, until=until))
    else:
        row.until = until
