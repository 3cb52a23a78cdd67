"""What an adapter contributes to the process: the contract between a platform adapter and the
composition root.

``bots/bootstrap.py`` imports the module of each platform whose section turns it on
(``PlatformSection.configured``) and calls its ``build_platform(section, services, registry,
**extras) -> Platform``: the adapter's own section, the process's services and registry (whose
commands its router runs), and any plain value of the process it needs besides (Teams: ``host``, the
address the server listens on). What comes back (a messenger,
routes, a lifetime) is wired into the process.

The contract lives here, on the adapters' side, because the composition root depends on the adapters
and never the reverse: an adapter builds a ``Platform`` without importing anything from ``bots/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from core.ports import Messenger

#: Adds an adapter's routes to the app (``app.router.add_post("/slack/events", …)``).
RouteInstaller = Callable[[web.Application], None]
#: A ``cleanup_ctx`` entry: the code before ``yield`` runs at start, the code after it at shutdown.
CleanupContext = Callable[[web.Application], AsyncIterator[None]]


@dataclass
class Platform:
    """What one adapter contributes to the process."""

    name: str
    messenger: Messenger
    routes: RouteInstaller | None = None
    lifetime: CleanupContext | None = None


class PlatformSection(Protocol):
    """The adapter's own section of the configuration (``[slack]``, ``[teams]``): it says whether the
    configuration turns the platform on, and is what ``build_platform`` receives."""

    @property
    def configured(self) -> bool: ...
