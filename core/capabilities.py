"""The capabilities of Parvis, in the order they are wired, and the registry built from them.

Each entry is a package's ``register(registry)`` (its ``wiring.py``): it adds that capability's
commands, actions, periodic jobs, outbox renderers and start hooks to the registry it is given, and
nothing else: a capability that registers what another already did fails at start-up. The registry
keeps this order (the worker starts its periodic jobs in it). ``later`` (commands of later releases)
comes last: it only fills the command paths nobody registered.

``bots/bootstrap.py`` calls ``build_registry()`` once per process and hands the result to the routers,
the worker and ``Services`` (as its renderers); tests build one the same way (``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from core.campaigns import wiring as campaigns
from core.commands import later
from core.commands import wiring as general
from core.delivery import wiring as delivery
from core.directory import wiring as directory
from core.downloads import wiring as downloads
from core.experts import wiring as experts
from core.governance import wiring as governance
from core.groups import wiring as groups
from core.inbound import wiring as inbound
from core.inbox import wiring as inbox
from core.moderation import wiring as moderation
from core.pairing import wiring as pairing
from core.polls import wiring as polls
from core.privacy import wiring as privacy
from core.registry import Registry
from core.stats import wiring as stats
from core.web import wiring as web

Capability = Callable[[Registry], None]

CAPABILITIES: tuple[Capability, ...] = (
    general.register,
    directory.register,
    groups.register,
    campaigns.register,
    pairing.register,
    polls.register,
    experts.register,
    inbox.register,
    delivery.register,
    inbound.register,
    stats.register,
    moderation.register,
    downloads.register,
    privacy.register,
    governance.register,
    web.register,
    later.register,
)


def build_registry(capabilities: tuple[Capability, ...] = CAPABILITIES) -> Registry:
    """A registry holding what ``capabilities`` register, in order."""
    registry = Registry()
    for register in capabilities:
        register(registry)
    return registry
