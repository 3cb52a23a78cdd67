"""What the inbound ledger brings to the registry: the job that prunes events handled more than a day
ago (one process at a time is enough)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.inbound import ledger

if TYPE_CHECKING:
    from core.registry import Registry


def register(registry: Registry) -> None:
    registry.add_job("inbound.prune", ledger.PRUNE_SECONDS, ledger.prune, leader_only=True)
