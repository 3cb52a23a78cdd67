"""The figures of ``stats``, as plain frozen values: what the service computes and every output shows.

Nothing here names a person: a figure is a count, a share or a duration. Shares are whole percents,
``None`` when there is nobody to divide by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

ScopeKind = Literal["organisation", "groups"]


def percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in whole percents, ``None`` when ``whole`` is 0."""
    return round(100 * part / whole) if whole else None


@dataclass(frozen=True)
class Scope:
    """Whose figures: everyone (``organisation``), or the members of ``groups`` (their union)."""

    kind: ScopeKind = "organisation"
    groups: tuple[int, ...] = ()


@dataclass(frozen=True)
class Week:
    #: the Monday (UTC) the week starts on
    start: date
    #: distinct members with at least one event that week
    active: int
    #: members of the scope that week (created before its end, not erased before it began)
    population: int
    #: (platform, distinct members active on it that week)
    by_platform: tuple[tuple[str, int], ...] = ()

    @property
    def share(self) -> int | None:
        return percent(self.active, self.population)


@dataclass(frozen=True)
class Share:
    """One row of a breakdown: ``members`` of a department or role, ``active`` during the period.
    ``label`` is ``None`` for the row that gathers the departments too small to be shown alone."""

    label: str | None
    members: int
    active: int
    #: how many departments this row gathers (1 for a department of its own)
    merged: int = 1

    @property
    def share(self) -> int | None:
        return percent(self.active, self.members)


@dataclass(frozen=True)
class GroupFigure:
    slug: str
    name: str
    members: int
    #: members who joined during the period
    joined: int
    #: members active during the period
    active: int


@dataclass(frozen=True)
class RoundFigure:
    index: int
    due: date
    #: members the prompt was sent to directly (0 for a campaign posted in channels)
    recipients: int
    respondents: int

    @property
    def rate(self) -> int | None:
        return percent(self.respondents, self.recipients)


@dataclass(frozen=True)
class CampaignFigure:
    id: int
    title: str
    rounds: tuple[RoundFigure, ...]

    @property
    def recipients(self) -> int:
        return sum(round_.recipients for round_ in self.rounds)

    @property
    def respondents(self) -> int:
        return sum(round_.respondents for round_ in self.rounds)

    @property
    def rate(self) -> int | None:
        return percent(self.respondents, self.recipients)

    @property
    def trend(self) -> int | None:
        """The last round's participation minus the first's, in points (``None`` under two rounds)."""
        rates = [round_.rate for round_ in self.rounds if round_.rate is not None]
        return rates[-1] - rates[0] if len(rates) >= 2 else None


@dataclass(frozen=True)
class ExpertFigures:
    """Questions asked during the period, and what became of them."""

    asked: int = 0
    #: got at least one answer from an expert or a referent
    answered: int = 0
    #: closed by the asker with the answer of a similar past question
    reused: int = 0
    #: went to a referent at some point
    escalated: int = 0
    #: nobody could take them
    expired: int = 0
    #: minutes from asking to the first answer: median and 90th percentile (nearest rank)
    median_minutes: float | None = None
    p90_minutes: float | None = None

    def share(self, count: int) -> int | None:
        return percent(count, self.asked)


@dataclass(frozen=True)
class PairingFigures:
    """Coffee pairing rounds started during the period, their pairs, and the pairs that said they met."""

    rounds: int = 0
    pairs: int = 0
    met: int = 0

    @property
    def share(self) -> int | None:
        return percent(self.met, self.pairs)


@dataclass(frozen=True)
class Stats:
    scope: Scope
    #: the first day (a Monday) and the last day (a Sunday) of the period
    start: date
    end: date
    #: the fewest people a figure by department, role or group may be about
    minimum: int
    #: people in the scope now
    population: int
    #: members of the scope active at least once during the period
    active: int
    #: the scope holds fewer than ``minimum`` people: no figure about people is given at all
    withheld: bool
    weeks: tuple[Week, ...]
    departments: tuple[Share, ...]
    roles: tuple[Share, ...]
    #: roles left out because fewer than ``minimum`` people hold them
    hidden_roles: int
    groups: tuple[GroupFigure, ...]
    campaigns: tuple[CampaignFigure, ...]
    experts: ExpertFigures
    pairing: PairingFigures = PairingFigures()

    @property
    def last_week(self) -> Week | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def share(self) -> int | None:
        """The share of the scope's people active during the period."""
        return percent(self.active, self.population)
