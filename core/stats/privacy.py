"""No figure by department or role is about fewer than ``minimum`` people (``[campaigns] anonymity_min``).

A department of two people shown as "1 of 2 active" tells each of them what the other did. So:

- departments smaller than ``minimum`` are not shown alone: they are gathered in one "other
  departments" row. Shown next to the organisation's total, that row must not become a small
  department in disguise, so while it holds some people but fewer than ``minimum``, the smallest
  department still shown joins it; if even everyone together is fewer, no department row is shown;
- roles overlap (an animator may be a referent), so a role held by fewer than ``minimum`` people is
  simply left out, and counted as left out.
"""

from __future__ import annotations

from core.stats.figures import Share


def departments(rows: list[Share], minimum: int) -> tuple[Share, ...]:
    """``rows`` (one per department) as they may be shown: largest first, the small ones gathered in a
    last row whose ``label`` is ``None``."""
    shown = sorted((row for row in rows if row.members >= minimum), key=lambda r: (-r.members, r.label or ""))
    small = [row for row in rows if row.members < minimum]
    other = _gather(small)
    while 0 < other.members < minimum and shown:
        small.append(shown.pop())
        other = _gather(small)
    if other.members and other.members < minimum:
        return ()
    return tuple(shown) + ((other,) if other.members else ())


def _gather(rows: list[Share]) -> Share:
    return Share(None, sum(r.members for r in rows), sum(r.active for r in rows), merged=len(rows))


def roles(rows: list[Share], minimum: int) -> tuple[tuple[Share, ...], int]:
    """The roles held by at least ``minimum`` people, and how many were left out."""
    shown = tuple(row for row in rows if row.members >= minimum)
    return shown, len(rows) - len(shown)
