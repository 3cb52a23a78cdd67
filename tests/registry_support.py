"""Helpers of tests/test_registry.py that import nothing of the core but the ``core`` package itself, so a
fresh interpreter can import the core's modules in an order of its choosing before building a registry."""

from __future__ import annotations

import pkgutil
from typing import TYPE_CHECKING

import core

if TYPE_CHECKING:
    from core.registry import Registry


def core_modules() -> list[str]:
    """Every module and package under ``core/``, by name."""
    return sorted(info.name for info in pkgutil.walk_packages(core.__path__, "core."))


def _name(function: object) -> str:
    qualname = getattr(function, "__qualname__", None)  # a function; a handler object shows its value
    return f"{function.__module__}.{qualname}" if qualname else repr(function)


def describe(registry: Registry) -> dict[str, list[str]]:
    """What a registry holds, by name and in order: comparable across processes."""
    return {
        "commands": [f"{c.name}|{c.min_args}|{c.cached}|{_name(c.handler)}"
                     for c in registry.commands.values()],
        "actions": [f"{prefix}|{_name(handler)}" for prefix, handler in registry.actions.items()],
        "jobs": [f"{j.name}|{j.seconds}|{j.leader_only}|{_name(j.function)}" for j in registry.jobs.values()],
        "renderers": [f"{p}|{_name(f)}" for p, f in registry.renderers.items()],
        "batch_renderers": [f"{p}|{_name(f)}" for p, f in registry.batch_renderers.items()],
        "start_hooks": list(registry.start_hooks),
    }
