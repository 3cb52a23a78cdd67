"""The areas of Parvis a staged launch switches on one at a time, and which commands make up each.

``[rollout.areas]`` names them (``groups``, ``experts``, ``campaigns``, ``pairing``, ``stats``:
``core.settings.AREAS``). A command belongs to the area its words start with (``group join`` →
groups, ``ask`` → experts), except where a longer start says otherwise (``group pairing`` →
pairing); a click or a form belongs to the area of its action id's first word (``question.answer``
→ experts). Commands about Parvis itself (``help``, ``lang``, ``charter``, ``privacy``, ``role``,
``audit``, ``moderation``, ``outbox``) belong to no area: they are never switched off; nor is
``inbox``, which spans experts and campaigns and leaves out what a switched-off area holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.settings import Area

#: the first words of a command (or the first word of an action id) → its area; longest first
_STARTS: tuple[tuple[tuple[str, ...], Area], ...] = (
    (("group", "pairing"), "pairing"),
    (("group",), "groups"),
    (("expert",), "experts"),
    (("ask",), "experts"),
    (("question",), "experts"),
    (("campaign",), "campaigns"),
    (("poll",), "campaigns"),
    (("pairing",), "pairing"),
    (("stats",), "stats"),
)


def area_of(name: str) -> Area | None:
    """The area of a command (``"group join"``) or an action prefix (``"group.join"``), if any."""
    words = tuple(name.replace(".", " ").split())
    for start, area in _STARTS:
        if words[: len(start)] == start:
            return area
    return None


def is_open(name: str, disabled: Iterable[Area]) -> bool:
    """Whether the command or action ``name`` belongs to no switched-off area."""
    area = area_of(name)
    return area is None or area not in frozenset(disabled)
