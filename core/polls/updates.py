"""A poll's message through the outbox: posted once, then updated as people vote, throttled.

The post is a delivery of its own (source ``poll:<id>``, purpose ``poll.post``), rendered at send
time from the votes then stored, so a post that went late shows the latest counts. Each later
change of the counts asks for an update (source ``poll-update:<id>:<due time>``, purpose
``poll.update``), which replaces the posted message (``Messenger.update``) with the counts read when
it is sent. The throttle: at most one update of a poll per ``UPDATE_EVERY``. A vote when none is
waiting is shown at once (due now, sent right after the commit), unless the last update was less than
``UPDATE_EVERY`` ago: then one update is due at the end of that interval, and the votes that come
meanwhile ride on it (``Poll.update_due_at`` is the throttle's memory). So the last state is always
shown, at most ``UPDATE_EVERY`` late, and a burst of a hundred clicks costs a handful of updates.
Closing is shown at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import select

from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing, Source, Target, enqueue
from core.directory.models import Member
from core.experts.notices import CardInFlight
from core.polls.models import Poll
from core.polls.rendering import message
from core.polls.votes import tally
from core.ports import ConversationRef, Progress
from core.runtime.db import UnitOfWork
from core.settings import Settings

POST, UPDATE = "poll.post", "poll.update"
UPDATE_EVERY = timedelta(seconds=5)


def _target(poll: Poll) -> Target:
    assert poll.id is not None
    return Target.channel(f"poll:{poll.id}")


async def post(uow: UnitOfWork, poll: Poll, now: datetime) -> list[int]:
    """The delivery that posts the poll in its conversation (to send after the commit)."""
    assert poll.id is not None
    return await enqueue(uow, Source("poll", poll.id), POST, [_target(poll)], now)


async def changed(uow: UnitOfWork, poll: Poll, now: datetime, *, at_once: bool = False) -> list[int]:
    """Ask for the message to be updated after a change (``at_once``: the close, shown now whatever
    the throttle says, in an update of its own): the ids of deliveries due now (to send after
    the commit), or none when an update is already waiting or the throttle defers it. ``poll``
    must be locked (``votes.locked``): two votes must not both decide that none is waiting."""
    assert poll.id is not None
    last = poll.update_due_at
    if last is not None and last > now and not at_once:
        return []  # an update is waiting: it will read the counts when it goes
    due = now if at_once or last is None or last + UPDATE_EVERY <= now else last + UPDATE_EVERY
    poll.update_due_at = due
    uow.session.add(poll)
    stamp = f"{poll.id}:closed" if at_once else f"{poll.id}:{due.timestamp():.6f}"
    ids = await enqueue(uow, Source("poll-update", stamp), UPDATE, [_target(poll)], due)
    return ids if due <= now else []


async def _state(uow: UnitOfWork, poll: Poll, settings: Settings) -> Outgoing:
    author = await uow.session.get(Member, poll.author_id) if poll.author_id else None
    name = author.display_name if author is not None and author.erased_at is None else "?"
    reply = message(poll, await tally(uow, poll), settings.campaigns.anonymity_min, name)
    return Outgoing(ConversationRef(poll.platform, poll.tenant, poll.conversation, poll.thread), reply)


async def render_post(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    poll = await uow.session.get(Poll, int(delivery.source.partition(":")[2]))
    return await _state(uow, poll, settings) if poll is not None else None


async def render_update(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """The posted message replaced by the current counts; nothing while the post has not gone (it
    will show them itself), later while it is being sent."""
    poll_id = delivery.source.partition(":")[2].partition(":")[0]
    poll = await uow.session.get(Poll, int(poll_id)) if poll_id.isdigit() else None
    if poll is None:
        return None
    posted = await posted_in(uow, poll)
    if posted is not None and posted.status == "sending":
        raise CardInFlight(f"the post of poll {poll.id} is being sent")
    sent = posted is not None and posted.status == "sent"
    first = Progress.from_ref(posted.message_ref).first if posted is not None and sent else None
    if first is None:
        return None
    state = await _state(uow, poll, settings)
    return Outgoing(state.address, state.reply, replace=first)


async def posted_in(uow: UnitOfWork, poll: Poll) -> Delivery | None:
    """The delivery that posted the poll."""
    return (await uow.session.exec(select(Delivery).where(
        Delivery.source == f"poll:{poll.id}", Delivery.purpose == POST))).first()
