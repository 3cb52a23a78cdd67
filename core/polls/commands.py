"""``poll "Question?" "A" "B" … [anonymous]`` and its buttons: a vote (``poll.vote``, value
``<poll>:<option>``) and *Close* (``poll.close``, value ``<poll>``, its author only).

The poll is posted in the conversation the command was typed in, as a message of its own through
the outbox (``core.polls.updates``): on Slack and Teams everyone there sees it, in the console the
chat's channel (``parvis chat --channel``). The command and the clicks answer nothing themselves
(a silent reply): the poll's message, updated with the counts, is the answer everyone sees — a
reply to a click would replace that message for everyone on Teams.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.delivery.immediate import send_now
from core.errors import NotFound, UsageError
from core.messages import Reply
from core.polls import parsing, updates, votes
from core.polls.models import Poll

if TYPE_CHECKING:
    from core.commands import Action

#: this module's commands and actions; ``core/polls/wiring.py`` adds them to the registry
handlers = Handlers()
SILENT = Reply(text="", silent=True)


def _send_after_commit(ctx: Context, ids: list[int]) -> None:
    services = ctx.services
    if ids:
        ctx.after_commit(lambda: send_now(services, ids))


@handlers.command("poll")
async def poll(ctx: Context, args: Args) -> Reply:
    """Post a poll in this conversation; its message is the answer."""
    asked = parsing.parse(args.text)
    if ctx.channel is None:
        raise UsageError("poll.needs_channel", usage=parsing.USAGE)
    now = ctx.services.clock.now()
    created = await votes.create(ctx.uow, asked, ctx.member_id, ctx.channel, ctx.locale, now)
    _send_after_commit(ctx, await updates.post(ctx.uow, created, now))
    return SILENT


def _ids(value: str) -> tuple[int, int | None]:
    poll_id, _, option = value.partition(":")
    if not poll_id.isdigit() or (option and not option.isdigit()):
        raise NotFound("poll.not_found", id=poll_id or "?")
    return int(poll_id), int(option) if option else None


async def _poll(ctx: Context, poll_id: int) -> Poll:
    return await votes.locked(ctx.uow, poll_id)


@handlers.action("poll.vote")
async def vote(ctx: Context, act: Action) -> Reply:
    """A click on an option: a vote, moved, or withdrawn (the same option again)."""
    poll_id, option = _ids(act.value)
    found = await _poll(ctx, poll_id)
    now = ctx.services.clock.now()
    await votes.vote(ctx.uow, found, ctx.member_id, option if option is not None else -1, now,
                     ctx.services.settings.security)
    if found.anonymous:
        ctx.record_activity = False  # no trace of who clicked when
    _send_after_commit(ctx, await updates.changed(ctx.uow, found, now))
    return SILENT


@handlers.action("poll.close")
async def close(ctx: Context, act: Action) -> Reply:
    """*Close*, by the poll's author: final results, no more votes."""
    poll_id, _ = _ids(act.value)
    found = await _poll(ctx, poll_id)
    ctx.require("poll.close", {"author"} if found.author_id == ctx.member_id else set())
    now = ctx.services.clock.now()
    await votes.close(ctx.uow, found, now)
    _send_after_commit(ctx, await updates.changed(ctx.uow, found, now, at_once=True))
    return SILENT
