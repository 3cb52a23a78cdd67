"""Sending a command's messages right after its commit, through the outbox.

A command that tells other people something (an expert's card, an answer for the asker, an
announcement) writes its outbox rows in its own transaction (``core.delivery.outbox.enqueue``)
and queues ``send_now`` with ``ctx.after_commit``: the rows are claimed and sent at once, ahead of any
campaign round waiting in the outbox, by this process's dispatcher (its pacing, its claims). Nothing
is sent if the transaction rolls back; a send that fails stays in the outbox and is retried like any
other (``parvis outbox failed`` lists those that gave up). So the acting member's reply may say a
message is on its way, never that it arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.delivery.dispatcher import Dispatcher
from core.runtime.scheduler import worker_of

if TYPE_CHECKING:
    from core.services import Services


async def send_now(services: Services, ids: Iterable[int]) -> int:
    """Claim and send these freshly committed rows; returns how many were settled (sent, skipped,
    failed or rescheduled). Without a worker in this process (``parvis chat --no-worker``, tests)
    a dispatcher is made for the occasion."""
    wanted = list(ids)
    if not wanted:
        return 0
    worker = worker_of(services)
    dispatcher = worker.dispatcher if worker is not None and worker.dispatch else Dispatcher(services)
    return await dispatcher.send_now(wanted)
