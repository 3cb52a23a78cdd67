"""The ``inbox`` command: what is waiting for me (``core.inbox.waiting``), with its actions.

It spans the expert and campaign areas, so it belongs to none (``core.governance.areas``): it is never
switched off, and leaves out the parts of a switched-off area instead.
"""

from __future__ import annotations

from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.inbox.view import inbox_reply
from core.inbox.waiting import inbox_of
from core.messages import Reply

#: this module's command; ``core/inbox/wiring.py`` adds it to the registry
handlers = Handlers()


@handlers.command("inbox")
async def inbox(ctx: Context, args: Args) -> Reply:
    """``inbox``: questions routed to me, prompts I have not answered, answers to my questions."""
    settings = ctx.services.settings
    found = await inbox_of(ctx.uow, ctx.member_id, ctx.roles, ctx.services.clock.now(), settings.security,
                           settings.rollout.disabled_areas)
    return inbox_reply(ctx.t, found, ctx.member.timezone)
