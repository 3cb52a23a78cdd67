"""The settings the core runs with: typed, frozen, and each default stated here and nowhere else.

``bots/config.py`` reads the TOML file (DESIGN.md §4), validates it, and builds one ``Settings`` from
it; a key left out of the file takes the default written below, which is also what
``config.example.toml`` documents. The core never reads the configuration itself: it is handed a
``Settings`` (held by ``core.services.Services``) or the one section a function needs.

Only what the core reads lives here. Keys only the process around the core uses (``[server]``,
``[database]``, the platforms' credentials, ``[scheduler] enabled``) keep their defaults in
``bots/config.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import Literal

#: the languages a member may choose, as ``[i18n] default_locale`` accepts them
Locale = Literal["en", "fr"]


@dataclass(frozen=True)
class I18nSettings:
    """``[i18n]``."""

    #: the language of members whose platform does not tell theirs
    default_locale: Locale = "en"


@dataclass(frozen=True)
class ExpertSettings:
    """``[experts]``: how questions travel from expert to expert, then to a referent."""

    #: how long an expert or referent has to answer a routed question before it moves on
    answer_timeout_minutes: int = 240
    #: how many experts a question may be passed to before it is escalated to a referent
    max_hops: int = 3
    #: ``working_hours``: the answer timeout counts only this daily window, Monday to Friday, in each
    #: expert's time zone (``core.experts.working_hours``); ``None``: every minute counts
    working_hours: tuple[time, time] | None = None
    #: e-mails of the people a question goes to, in this order, when the experts and every referent
    #: passed, ran out of time or are away (``core.experts.routing``); empty: the question ends unassigned
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchedulerSettings:
    """``[scheduler]``: how the worker sends the outbox (``core.runtime.scheduler``, ``core.delivery``)."""

    #: how often (seconds) the outbox is checked when nothing woke the dispatcher sooner
    dispatch_interval_seconds: float = 5.0
    #: sends in flight at once (also the most a crash can leave sent-but-unrecorded)
    dispatch_concurrency: int = 16
    #: Slack messages per minute per workspace; a burst of one second's worth
    slack_per_minute: int = 180
    #: Teams messages per second per tenant; a burst of one second's worth
    teams_per_second: int = 20
    #: on PostgreSQL, one pace per workspace/tenant shared by every dispatching process
    #: (``core.delivery.sharedpace``); off: each process paces itself (SQLite always does)
    shared_pace: bool = True


#: the smallest number of answers an anonymous prompt's figures are shown from; ``[campaigns]
#: anonymity_min`` may raise it, never lower it
ANONYMITY_FLOOR = 3


@dataclass(frozen=True)
class CampaignSettings:
    """``[campaigns]``."""

    #: an anonymous prompt's figures (texts, choice counts, scale values and average) are shown only
    #: from this many answers (``core.campaigns.summaries``); at least ``ANONYMITY_FLOOR``
    anonymity_min: int = ANONYMITY_FLOOR


@dataclass(frozen=True)
class DigestTime:
    """When the weekly digest goes out: a day of the week (0 = Monday) and a time of day, read in each
    recipient's own time zone."""

    weekday: int
    at: time


@dataclass(frozen=True)
class AnalyticsSettings:
    """``[analytics]``: adoption figures told without being asked."""

    #: the weekly digest to animators and admins (``core.stats.digest``); ``None``: not sent
    digest: DigestTime | None = None


@dataclass(frozen=True)
class SecuritySettings:
    """``[security]``: the server secret, which never lives in the database.

    It keys the hashes that stand for the respondents of anonymous campaigns
    (``core.campaigns.answers``): without it, a copy of the database cannot tell who answered what.
    ``previous_secret_keys`` are the secrets used before a rotation, still recognised so that members
    can edit, and are not reminded about, what they answered under them. Empty in a bare ``Settings()``:
    the process's start (``bots/server_secret.py``) provides it, and an anonymous answer without one is
    refused rather than keyed by nothing.
    """

    secret_key: str = field(default="", repr=False)
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every secret still recognised, the current one first (none when unset)."""
        return tuple(key for key in (self.secret_key, *self.previous_secret_keys) if key)


@dataclass(frozen=True)
class PrivacySettings:
    """``[privacy]``: how long Parvis keeps what is personal (``core.privacy.retention``)."""

    #: activity events and their weekly roll-up (adoption statistics) older than this are deleted;
    #: two years, the furthest ``stats`` looks back (104 weeks)
    keep_events_days: int = 730
    #: the texts of expert questions and answers and of campaign answers older than this are removed
    #: (a question others may reuse as a public answer keeps its text, without its author)
    keep_texts_days: int = 365


@dataclass(frozen=True)
class GovernanceSettings:
    """``[governance]``: the usage charter (``core.governance.charter``)."""

    #: whether a member must accept the charter's current version before using anything but
    #: ``help``, ``charter``, ``lang`` and ``privacy``
    require_charter: bool = True
    #: a directory holding the organisation's own ``en.md`` and ``fr.md``; ``None``: the charter
    #: shipped in ``prompts/charter/``
    charter_dir: str | None = None


#: the areas of Parvis a staged launch opens one by one (``[rollout.areas]``, ``core.governance.areas``)
Area = Literal["groups", "experts", "campaigns", "pairing", "stats"]
AREAS: tuple[Area, ...] = ("groups", "experts", "campaigns", "pairing", "stats")
RolloutMode = Literal["all", "pilot"]


@dataclass(frozen=True)
class RolloutSettings:
    """``[rollout]``: who may use Parvis yet, and which of its areas are open
    (``core.governance.gate``)."""

    #: ``"pilot"``: only members of ``pilot_groups`` (and admins); ``"all"``: everyone
    mode: RolloutMode = "all"
    #: the slugs of the pilot groups
    pilot_groups: tuple[str, ...] = ()
    #: the areas switched off, for everyone
    disabled_areas: frozenset[Area] = frozenset()


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: where people reach Parvis by browser, and how long a web console session lasts
    (``core.web``)."""

    #: the http(s) address people's clients reach Parvis at (the web console's links, Teams' files);
    #: ``None``: no link can be given
    public_url: str | None = None
    #: how long a web console session lasts after the link from ``dashboard`` opened it
    session_hours: int = 8


@dataclass(frozen=True)
class Settings:
    """Everything the core reads, one section per concern."""

    i18n: I18nSettings = field(default_factory=I18nSettings)
    experts: ExpertSettings = field(default_factory=ExpertSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    campaigns: CampaignSettings = field(default_factory=CampaignSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    governance: GovernanceSettings = field(default_factory=GovernanceSettings)
    rollout: RolloutSettings = field(default_factory=RolloutSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    web: WebSettings = field(default_factory=WebSettings)
