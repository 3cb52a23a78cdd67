"""Sending a command's messages right after its commit, through the outbox.

A command that tells other people something (an expert's card, an answer for the asker, an
announcement) writes its outbox rows in its own transaction (``core.delivery.outbox.enqueue``)
and queues ``send_now`` with ``ctx.after_commit``: the rows are claimed and sent at once, ahead of any
campaign round waiting in the outbox, by this process's dispatcher (its pacing, its claims). Nothing
is sent if the transaction rolls back; a send that fails stays in the outbox and is retried like any
other (``parvis outbox failed`` lists those that gave up). So the acting member's reply may say a
message is on its way, never that it arrived.

``send_soon`` is the same without keeping the member waiting: in a process that holds after-reply work
(``core.runtime.background``: a running worker's, or ``parvis serve``'s when its worker is off) the
sends run as a task beside the command's reply rather than before it — the rows are committed
already, so whatever becomes of the task (a failed send, a stop mid-way) the dispatcher sends or
retries them; elsewhere (tests, the CLI without a worker) it is ``send_now``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.delivery.dispatcher import Dispatcher
from core.runtime.background import background_of
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


async def send_soon(services: Services, ids: Iterable[int]) -> None:
    """``send_now`` after the command's reply when this process holds after-reply work (a dispatching
    worker's, or a server's without one: ``core.runtime.background``, whose ``stop`` waits for it),
    else at once."""
    wanted = list(ids)
    if not wanted:
        return
    held = background_of(services)
    if held is None:
        await send_now(services, wanted)
    else:
        held.run(send_now(services, wanted), "immediate send")
