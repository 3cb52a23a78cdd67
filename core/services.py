"""The process-wide services every part of the core is handed: database, registry, clock, messengers,
settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from typing import TYPE_CHECKING

from core.ports import Clock, Messenger, SystemClock
from core.runtime.db import Database

if TYPE_CHECKING:  # the registry's handlers take Services: imported for the annotation only
    from core.registry import Registry


@dataclass
class CoreSettings:
    """The settings the core reads; ``bots/config.py`` fills them from the TOML file."""

    default_locale: str = "en"
    answer_timeout_minutes: int = 240
    max_hops: int = 3
    #: ``[experts] working_hours``: the answer timeout counts only this daily window, Monday to
    #: Friday, in each expert's time zone (``core.experts.working_hours``); ``None``: every minute counts
    working_hours: tuple[time, time] | None = None


@dataclass
class Services:
    """Process-wide dependencies, built once by ``bots/bootstrap.py``.

    ``registry`` has no default: a process without ``core.capabilities.build_registry()`` (or a
    registry built on purpose) would know no command, and should say so at once."""

    db: Database
    registry: Registry
    clock: Clock = field(default_factory=SystemClock)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    settings: CoreSettings = field(default_factory=CoreSettings)

    def messenger(self, platform: str) -> Messenger | None:
        return self.messengers.get(platform)
