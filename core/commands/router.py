"""The command layer: what adapters hand in and the router that runs it, on every platform.

Adapters build an ``Invocation`` (who, where, what text) or an ``Action`` (a button click or a form
submission) and hand it to ``CommandRouter``; they get a ``Reply`` back. The commands and actions are
those of the registry it is built with (``core.registry``, filled by each capability's ``wiring.py``);
how text finds one is ``core.commands.grammar.match``; replies of read-only commands come back from memory
(``core.commands.memory``) when they can. The router never raises: a ``ParvisError`` becomes a
localised message, anything else a logged apology.
"""

from __future__ import annotations

import asyncio
import logging

from core.access.rules import usable
from core.commands.context import Context
from core.commands.grammar import match
from core.commands.memory import Memory, Prepared, cache_key
from core.commands.requests import Action, Actor, Invocation
from core.directory import erased
from core.directory import members as directory
from core.errors import Conflict, Forbidden, ParvisError, UsageError
from core.governance import gate as governance
from core.i18n import Translator
from core.messages import Reply
from core.ports import ConversationRef
from core.registry import Registry
from core.runtime.activity_log import activity_log
from core.runtime.db import UnitOfWork
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

    def __init__(self, services: Services, registry: Registry) -> None:
        self.services = services
        self.registry = registry
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
                stand_in = await self._outsider(request, t)
                if stand_in is not None:
                    return stand_in
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
            found = match(self.registry, text)
        except ParvisError as error:
            return Prepared(actor, channel, kind, text, who, error=error)
        remember = governance.may_remember(self.services.settings, who, found[0].name)
        return Prepared(actor, channel, kind, text, who, found,
                        key=cache_key(found, text, who) if remember else None)

    async def _transact(self, request: Prepared, act: Action | None, t: Translator) -> tuple[Reply, Context]:
        """Run the handler in one unit of work, taking turns with the others (``_turns``)."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(COMMANDS_AT_ONCE)
        async with self._turns:
            return await self._transact_now(request, act, t)

    async def _transact_now(self, request: Prepared, act: Action | None,
                            t: Translator) -> tuple[Reply, Context]:
        """Run the handler in one unit of work; its activity event goes to the batched activity log
        once the command succeeded (``core.runtime.activity_log``), whether it wrote or only read.

        Why not in the command's own transaction when it writes anyway: two more statements (the
        event and its week, ``core.activity.weeks``) inside the write, and on SQLite inside the one
        write turn every other writer waits for. The trade-off is the activity log's own: the event
        is written up to ``LINGER_SECONDS`` later, in a batch, and a killed process loses the last
        fraction of a second of events; a command that failed, or whose commit failed, leaves none."""
        now = self.services.clock.now()
        generation = self.memory.cache.generation
        who = request.who
        async with self.services.db.uow() as uow:
            ctx = Context(self.services, uow, who, who.roles, request.actor, request.channel, t,
                          self.registry)
            reply = await self._dispatch(ctx, request, act)
            event = (directory.activity_event(who.member_id, request.actor, request.kind, request.name, now)
                     if ctx.record_activity else None)
            read_only = not uow.wrote
            if not read_only and not ctx.forgotten:
                await self._still_there(uow, who.member_id)
            if not read_only:  # a transaction that only read has nothing to commit: closing ends it
                await uow.commit()
        if event is not None:
            activity_log(self.services.db).add(event)
        if read_only and not ctx.effects:
            self.memory.keep(request, reply, generation, now)
        return reply, ctx

    async def _still_there(self, uow: UnitOfWork, member_id: int) -> None:
        """Refuse to save what a command wrote for a member erased meanwhile: another process erased
        them while this one still resolved them from its cache (for up to ``ACTOR_TTL_SECONDS``).
        The cache forgets them, so the next command is a new person's."""
        when = await erased.erased_at(uow, member_id)
        if when is not None:
            erased.forget(self.services, member_id)
            raise Conflict("privacy.erased_meanwhile", date=when.date())

    async def _refill(self, request: Prepared) -> Reply | None:
        """A kept command's reply read again (refresh-ahead): no activity event (the hit that started
        this counted); ``None`` unless it only read."""
        t = Translator(request.who.locale)
        try:
            async with self.services.db.uow() as uow:  # never committed: a kept command only reads
                ctx = Context(self.services, uow, request.who, request.who.roles, request.actor,
                              request.channel, t, self.registry)
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
            stand_in = await self._admit(ctx, request, command.name)
            if stand_in is not None:
                return stand_in
            self._gate(ctx, command.name)
            return (await command.handler(ctx, args)).localised(ctx.locale)
        handler = self.registry.actions.get(request.text)
        if handler is None:
            raise UsageError("errors.unknown_action")
        stand_in = await self._admit(ctx, request, request.text)
        if stand_in is not None:
            return stand_in
        self._gate(ctx, request.text)
        return (await handler(ctx, act)).localised(ctx.locale)

    async def _outsider(self, request: Prepared, t: Translator) -> Reply | None:
        """Text the grammar refused, from a pilot's outsider: their notice or silence, not a hint."""
        settings = self.services.settings
        if not governance.piloted(settings, request.who, request.text):
            return None
        now = self.services.clock.now()
        async with self.services.db.uow() as uow:
            stand_in = await governance.outside_pilot(uow, settings, request.who, t, now)
            await uow.commit()
        return stand_in.localised(t.locale) if stand_in is not None else None

    async def _admit(self, ctx: Context, request: Prepared, name: str) -> Reply | None:
        """The governance gate (pilot, areas, charter: ``core.governance.gate``): the reply that
        stands in for the command, which then counts as no activity; ``None`` to carry on."""
        stand_in = await governance.admission(ctx.uow, self.services.settings, request.who, name, ctx.t,
                                              self.services.clock.now())
        if stand_in is None:
            return None
        ctx.record_activity = False
        return stand_in.localised(ctx.locale)

    def _gate(self, ctx: Context, name: str) -> None:
        """Refuse, before the handler runs, what the member's roles allow on nothing at all (the
        permission table, ``core.access``); relations to the thing are the handler's to check."""
        rule = self.registry.rule(name)
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
