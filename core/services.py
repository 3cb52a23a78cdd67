"""The process-wide services every part of the core is handed: database, clock, messengers, settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ports import Clock, Messenger, SystemClock
from core.runtime.db import Database
from core.settings import Settings


@dataclass
class Services:
    """Process-wide dependencies, built once by ``bots/bootstrap.py``."""

    db: Database
    clock: Clock = field(default_factory=SystemClock)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)

    def messenger(self, platform: str) -> Messenger | None:
        return self.messengers.get(platform)
