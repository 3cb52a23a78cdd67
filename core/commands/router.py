"""The command layer: what adapters hand in and the router that runs it, on every platform.

Adapters build an ``Invocation`` (who, where, what text) or an ``Action`` (a button click or a form
submission) and hand it to ``CommandRouter``; they get a ``Reply`` back. The commands themselves,
and how text finds one, are in ``core.commands.grammar`` (handlers register there with ``@command(...)`` /
``@action(...)``, in ``core/handlers/``). The router never raises: a ``ParvisError`` becomes a
localised message, anything else a logged apology.
"""

from __future__ import annotations

import logging
from functools import partial

from core.activity.models import ActivityEvent
from core.commands.context import Context
from core.commands.grammar import ACTIONS, Args, Command, match
from core.commands.requests import Action, Actor, Invocation
from core.directory import members as directory
from core.errors import ParvisError, UsageError
from core.i18n import Translator
from core.messages import Reply
from core.ports import ConversationRef
from core.runtime.activity_log import activity_log
from core.runtime.reply_cache import Key, key_of, reply_cache
from core.services import Services

log = logging.getLogger(__name__)


def error_reply(t: Translator, error: ParvisError) -> Reply:
    """A domain error in the member's words, with the right usage when the grammar was wrong."""
    text = t(error.key, **error.params)
    usage = error.usage if isinstance(error, UsageError) else None
    if usage:
        text = f"{text}\n{t('errors.usage_prefix')} {t(usage)}"
    return Reply(text=text, error=True, extra={"input": error.input} if error.input else {}, locale=t.locale)


class CommandRouter:
    """Runs invocations and actions: resolves the member, opens a transaction, calls the handler,
    commits, then performs the queued side effects."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def handle(self, invocation: Invocation) -> Reply:
        return await self._run(invocation.actor, invocation.channel, "command", invocation.text, None)

    def answer_from_memory(self, invocation: Invocation) -> Reply | None:
        """The reply to a read-only command if this process answered it a moment ago, found without
        awaiting anything (no task, no database); ``None`` when the command has to run (``handle``).

        Why: an adapter that must acknowledge within milliseconds (Slack) answers most commands
        from here, and only starts the core's work as a task for the rest. Counted as activity like
        any command."""
        who = directory.resolved(self.services, invocation.actor, peek=True)  # ``handle`` counts misses
        if who is None:
            return None
        try:
            found = match(invocation.text)
        except ParvisError:  # the error reply is built by ``handle``
            return None
        return self._cached(found, who, invocation.actor, invocation.channel, invocation.text, "command",
                            peek=True)

    def _cached(self, found: tuple[Command, Args], who: directory.Resolution, actor: Actor,
                channel: ConversationRef | None, text: str, kind: str, *, peek: bool = False) -> Reply | None:
        """A cached command's reply from the reply cache (refreshed ahead in the background), with
        its activity event; ``None`` if not cached (``peek``: a miss not counted)."""
        command = found[0]
        if not command.cached:
            return None
        key = key_of(command.name, command.cached, text, who)
        cache = reply_cache(self.services.db)
        refill = partial(self._refill, key, found, who, actor, channel)
        reply = cache.get(key, self.services.clock.now(), refill, peek=peek)
        if reply is not None:
            activity_log(self.services.db).add(directory.activity_event(
                self.services, who.member_id, actor, kind, command.name))
        return reply

    async def act(self, act: Action) -> Reply:
        return await self._run(act.actor, act.channel, "action", act.action_id, act)

    async def _run(self, actor: Actor, channel: ConversationRef | None, kind: str, text: str,
                   act: Action | None) -> Reply:
        t = Translator(actor.locale or self.services.settings.default_locale)
        try:
            who = await directory.resolve(self.services, actor)
            t = Translator(who.locale)
            found = match(text) if act is None else None
            cached = self._cached(found, who, actor, channel, text, kind) if found is not None else None
            if cached is not None:
                return cached
            cache = reply_cache(self.services.db)
            key = key_of(found[0].name, found[0].cached, text, who) if found and found[0].cached else None
            now = self.services.clock.now()
            generation = cache.generation
            async with self.services.db.uow() as uow:
                ctx = Context(self.services, uow, who, who.roles, actor, channel, t)
                reply, name = await self._dispatch(ctx, found, act)
                event = (directory.activity_event(self.services, who.member_id, actor, kind, name)
                         if ctx.record_activity else None)
                read_only = not uow.wrote
                if event is not None and not read_only:  # a write commits anyway: the event joins it
                    uow.session.add(ActivityEvent(**event))
                    event = None
                await uow.commit()
            if event is not None:  # a read-only command: no write commit just for the statistic
                activity_log(self.services.db).add(event)
            if key is not None and read_only and not ctx.effects:
                cache.put(key, reply, generation, now)
        except ParvisError as error:
            return error_reply(t, error)
        except Exception:
            log.exception("%s failed for %s:%s", kind, actor.platform, actor.user_id)
            return Reply(text=t("errors.internal"), error=True, locale=t.locale)
        await self._run_effects(ctx)
        return reply

    async def _refill(self, key: Key, found: tuple[Command, Args], who: directory.Resolution, actor: Actor,
                      channel: ConversationRef | None) -> None:
        """Read a cached command's reply again (refresh-ahead): no activity event (the hit that
        started this counted), and nothing kept unless it only read."""
        cache = reply_cache(self.services.db)
        generation = cache.generation
        t = Translator(who.locale)
        try:
            async with self.services.db.uow() as uow:  # never committed: a cached command only reads
                ctx = Context(self.services, uow, who, who.roles, actor, channel, t)
                reply, _ = await self._dispatch(ctx, found, None)
                if uow.wrote or ctx.effects:
                    return
        except ParvisError:  # an answer that is now an error is not kept; the old one runs out
            return
        cache.put(key, reply, generation, self.services.clock.now())

    async def _dispatch(self, ctx: Context, found: tuple[Command, Args] | None,
                        act: Action | None) -> tuple[Reply, str]:
        if act is None:
            assert found is not None
            command, args = found
            return (await command.handler(ctx, args)).localised(ctx.locale), command.name
        prefix = act.action_id.split(":", 1)[0]
        handler = ACTIONS.get(prefix)
        if handler is None:
            raise UsageError("errors.unknown_action")
        return (await handler(ctx, act)).localised(ctx.locale), prefix

    async def _run_effects(self, ctx: Context) -> None:
        for effect in ctx.effects:
            try:
                await effect()
            except Exception:
                log.exception("side effect failed after commit")
