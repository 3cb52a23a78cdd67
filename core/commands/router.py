"""The command layer: what adapters hand in and the router that runs it, on every platform.

Adapters build an ``Invocation`` (who, where, what text) or an ``Action`` (a button click or a form
submission) and hand it to ``CommandRouter``; they get a ``Reply`` back. The commands and actions are
those of ``services.registry`` (``core.registry``, filled by each capability's ``wiring.py``); how text
finds one is ``core.commands.grammar.match``; replies of read-only commands come back from memory
(``core.commands.memory``) when they can. The router never raises: a ``ParvisError`` becomes a
localised message, anything else a logged apology.
"""

from __future__ import annotations

import asyncio
import logging

from core.access.rules import usable
from core.activity.models import ActivityEvent
from core.commands.context import Context
from core.commands.grammar import match
from core.commands.memory import Memory, Prepared, cache_key
from core.commands.requests import Action, Actor, Invocation
from core.directory import members as directory
from core.errors import Forbidden, ParvisError, UsageError
from core.i18n import Translator
from core.messages import Reply
from core.ports import ConversationRef
from core.runtime.activity_log import activity_log
from core.services import Services

log = logging.getLogger(__name__)

#: commands and clicks worked on at once in a process; the others wait their turn, in order. Without
#: a limit a busy server interleaves every request under way: each one's next step waits for a step
#: of all the others, and a command of ten steps (one that writes) waits ten times as long as one of
#: two — its reader neighbours overtake it again and again.
COMMANDS_AT_ONCE = 4


def error_reply(t: Translator, error: ParvisError) -> Reply:
    """A domain error in the member's words, with the right usage when the grammar was wrong."""
    text = t(error.key, **error.params)
    usage = error.usage if isinstance(error, UsageError) else None
    if usage:
        text = f"{text}\n{t('errors.usage_prefix')} {t(usage)}"
    return Reply(text=text, error=True, extra={"input": error.input} if error.input else {}, locale=t.locale)


class CommandRouter:
    """Runs invocations and actions: resolves the member, opens a transaction, calls the handler,
    commits, then performs the queued side effects.

    A request enters once: ``prepare`` (or ``handle``/``act``, which call it) resolves the member,
    matches the grammar and computes the reply-cache key; ``remembered`` answers from memory when it
    can and ``run`` does the work otherwise, both from what ``prepare`` found."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.memory = Memory(services, self._refill)
        self._turns: asyncio.Semaphore | None = None  # made in the running loop, on first use

    async def handle(self, invocation: Invocation) -> Reply:
        return await self._enter(invocation.actor, invocation.channel, "command", invocation.text, None)

    async def act(self, act: Action) -> Reply:
        return await self._enter(act.actor, act.channel, "action", act.action_id, act)

    def prepare(self, invocation: Invocation) -> Prepared | None:
        """The typed command made ready to answer or run, without awaiting anything; ``None`` when the
        member is not in this process's cache yet (then ``handle`` resolves them).

        Why: an adapter that must acknowledge within milliseconds (Slack) answers most commands from
        ``remembered`` and starts ``run`` as a task for the rest, without computing anything twice."""
        who = directory.resolved(self.services, invocation.actor, peek=True)  # ``run`` counts misses
        if who is None:
            return None
        return self._prepared(invocation.actor, invocation.channel, "command", invocation.text, who)

    def remembered(self, request: Prepared) -> Reply | None:
        """The reply to a read-only command if this process answered it a moment ago (no task, no
        database); ``None`` when it has to ``run``. Counted as activity like any command."""
        return self.memory.recall(request, peek=True)

    async def run(self, request: Prepared, act: Action | None = None) -> Reply:
        """Answer ``request``: from memory if kept, else in a transaction; never raises."""
        t = Translator(request.who.locale)
        try:
            if request.error is not None:
                raise request.error
            reply = self.memory.recall(request)
            if reply is not None:
                return reply
            reply, ctx = await self._transact(request, act, t)
        except ParvisError as error:
            return error_reply(t, error)
        except Exception:
            log.exception("%s failed for %s:%s", request.kind, request.actor.platform, request.actor.user_id)
            return Reply(text=t("errors.internal"), error=True, locale=t.locale)
        await self._run_effects(ctx)
        return reply

    async def _enter(self, actor: Actor, channel: ConversationRef | None, kind: str, text: str,
                     act: Action | None) -> Reply:
        t = Translator(actor.locale or self.services.settings.i18n.default_locale)
        try:
            who = await directory.resolve(self.services, actor)
        except ParvisError as error:
            return error_reply(t, error)
        except Exception:
            log.exception("%s failed for %s:%s", kind, actor.platform, actor.user_id)
            return Reply(text=t("errors.internal"), error=True, locale=t.locale)
        return await self.run(self._prepared(actor, channel, kind, text, who, act), act)

    def _prepared(self, actor: Actor, channel: ConversationRef | None, kind: str, text: str,
                  who: directory.Resolution, act: Action | None = None) -> Prepared:
        if act is not None:
            return Prepared(actor, channel, kind, act.action_id.split(":", 1)[0], who)
        try:
            found = match(self.services.registry, text)
        except ParvisError as error:
            return Prepared(actor, channel, kind, text, who, error=error)
        return Prepared(actor, channel, kind, text, who, found, key=cache_key(found, text, who))

    async def _transact(self, request: Prepared, act: Action | None, t: Translator) -> tuple[Reply, Context]:
        """Run the handler in one unit of work, taking turns with the others (``_turns``)."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(COMMANDS_AT_ONCE)
        async with self._turns:
            return await self._transact_now(request, act, t)

    async def _transact_now(self, request: Prepared, act: Action | None,
                            t: Translator) -> tuple[Reply, Context]:
        """Run the handler in one unit of work; its activity event joins a write, or goes to the
        batched activity log when it only read (no commit just for the statistic)."""
        now = self.services.clock.now()
        generation = self.memory.cache.generation
        who = request.who
        async with self.services.db.uow() as uow:
            ctx = Context(self.services, uow, who, who.roles, request.actor, request.channel, t)
            reply = await self._dispatch(ctx, request, act)
            event = (directory.activity_event(who.member_id, request.actor, request.kind, request.name, now)
                     if ctx.record_activity else None)
            read_only = not uow.wrote
            if event is not None and not read_only:  # a write commits anyway: the event joins it
                uow.session.add(ActivityEvent(**event))
                event = None
            if not read_only:  # a transaction that only read has nothing to commit: closing ends it
                await uow.commit()
        if event is not None:
            activity_log(self.services.db).add(event)
        if read_only and not ctx.effects:
            self.memory.keep(request, reply, generation, now)
        return reply, ctx

    async def _refill(self, request: Prepared) -> Reply | None:
        """A kept command's reply read again (refresh-ahead): no activity event (the hit that started
        this counted); ``None`` unless it only read."""
        t = Translator(request.who.locale)
        try:
            async with self.services.db.uow() as uow:  # never committed: a kept command only reads
                ctx = Context(self.services, uow, request.who, request.who.roles, request.actor,
                              request.channel, t)
                reply = await self._dispatch(ctx, request, None)
                if uow.wrote or ctx.effects:
                    return None
        except ParvisError:  # an answer that is now an error is not kept; the old one runs out
            return None
        return reply

    async def _dispatch(self, ctx: Context, request: Prepared, act: Action | None) -> Reply:
        if act is None:
            assert request.found is not None
            command, args = request.found
            self._gate(ctx, command.name)
            return (await command.handler(ctx, args)).localised(ctx.locale)
        handler = self.services.registry.actions.get(request.text)
        if handler is None:
            raise UsageError("errors.unknown_action")
        self._gate(ctx, request.text)
        return (await handler(ctx, act)).localised(ctx.locale)

    def _gate(self, ctx: Context, name: str) -> None:
        """Refuse, before the handler runs, what the member's roles allow on nothing at all (the
        permission table, ``core.access``); relations to the thing are the handler's to check."""
        rule = self.services.registry.rule(name)
        if rule is None:
            log.error("no permission rule for %r: refused (add its row to core/access/table.py)", name)
            raise Forbidden("errors.forbidden")
        if not usable(ctx.roles, rule):
            raise Forbidden(rule.denied)

    async def _run_effects(self, ctx: Context) -> None:
        for effect in ctx.effects:
            try:
                await effect()
            except Exception:
                log.exception("side effect failed after commit")
