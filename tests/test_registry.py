"""Explicit wiring: the registry is built from the capabilities, importing a module registers nothing,
and every command of the grammar that exists today is in the registry a process builds."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.access.table import EVERYONE
from core.capabilities import CAPABILITIES, build_registry
from core.commands.context import Context
from core.commands.grammar import Args, Command, Handlers
from core.commands.later import LATER, NotYet
from core.commands.later import register as register_later
from core.messages import Reply
from core.registry import Registry
from core.runtime.scheduler import Worker
from core.services import Services
from tests.registry_support import core_modules, describe

ROOT = Path(__file__).resolve().parent.parent

#: the commands of DESIGN.md §3 that exist today (implemented, or answering "not available yet")
GRAMMAR = {
    ("help",), ("lang",),
    ("group", "list"), ("group", "create"), ("group", "info"), ("group", "join"), ("group", "leave"),
    ("group", "members"), ("group", "add"), ("group", "link"), ("group", "announce"), ("group", "archive"),
    ("expert", "add"), ("expert", "remove"), ("expert", "me"), ("expert", "find"), ("expert", "away"),
    ("expert", "back"), ("expert", "synonym"), ("expert", "misses"),
    ("ask",), ("question", "list"), ("question", "close"),
    ("question", "answer"), ("question", "pass"), ("inbox",),  # issue 19, part 1
    ("campaign", "list"), ("campaign", "new"), ("campaign", "show"), ("campaign", "start"),
    ("campaign", "pause"), ("campaign", "resume"), ("campaign", "close"), ("campaign", "report"),
    ("campaign", "share"), ("campaign", "optout"), ("campaign", "optin"),
    ("campaign", "skip"), ("campaign", "snooze"), ("campaign", "leave"), ("poll",),
    ("group", "pairing"), ("pairing", "join"), ("pairing", "leave"), ("pairing", "pause"),
    ("stats",), ("charter",), ("privacy", "export"), ("privacy", "delete"),
    ("role", "grant"), ("role", "revoke"), ("moderation", "report"),
    ("outbox", "failed"), ("outbox", "retry"),
    ("audit",),  # an addition to DESIGN §3: admins read the audit trail in the chat (issue 14)
    ("dashboard",),  # DESIGN §3: a sign-in link to the web console (issue 18)
    ("campaign", "edit"), ("campaign", "copy"), ("campaign", "delete"),  # additions of issue 19
}
#: the old module-level registries, filled as a side effect of imports
OLD_GLOBALS = {"COMMANDS", "ACTIONS", "_AREAS", "PERIODIC_JOBS", "RENDERERS", "BATCH_RENDERERS",
               "START_HOOKS"}


def test_every_command_of_the_grammar_is_in_the_built_registry() -> None:
    registry = build_registry()
    assert set(registry.commands) == GRAMMAR
    assert registry.areas() == sorted({path[0] for path in GRAMMAR})


def test_the_registry_holds_every_job_and_renderer_of_the_capabilities() -> None:
    registry = build_registry()
    assert list(registry.jobs) == ["campaigns.rounds", "campaigns.reminders", "campaigns.close",
                                   "pairing.rounds", "pairing.reminders", "experts.deadlines",
                                   "outbox.dispatch", "inbound.prune", "stats.digest", "downloads.prune",
                                   "privacy.retention", "web.prune"]
    assert set(registry.batch_renderers) == {"prompt", "reminder.1", "reminder.2", "reminder.later",
                                             "summary"}
    assert {"poll.post", "poll.update"} <= set(registry.renderers)
    assert {"group.join", "campaign.answer", "question.pass"} <= set(registry.actions)


def test_two_registries_built_apart_are_equal_and_share_nothing() -> None:
    first, second = build_registry(), build_registry()
    assert first == second and first is not second

    async def extra(ctx: Context, args: Args) -> Reply:
        return Reply(text="extra")

    first.add_command(Command(("extra",), extra))
    assert first != second and ("extra",) not in second.commands and not second.has_area("extra")
    assert build_registry() == second


def test_importing_every_core_module_leaves_no_module_level_registry() -> None:
    """Importing registers nothing: no module holds a registry, nor the old global tables."""
    before = describe(build_registry())
    for name in core_modules():
        module = importlib.import_module(name)
        assert not OLD_GLOBALS & set(vars(module)), name
        assert not [value for value in vars(module).values() if isinstance(value, Registry)], name
    assert describe(build_registry()) == before


def test_the_registry_does_not_depend_on_import_order() -> None:
    """A fresh interpreter importing every core module in reverse order first builds the same registry."""
    script = ("import importlib, json, sys\n"
              "from tests.registry_support import core_modules, describe\n"
              "for name in reversed(core_modules()):\n"
              "    importlib.import_module(name)\n"
              "from core.capabilities import build_registry\n"
              "json.dump(describe(build_registry()), sys.stdout)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == describe(build_registry())


def test_a_handler_module_only_collects_its_handlers() -> None:
    handlers = Handlers()

    @handlers.command("extra", "thing", min_args=1, cached="member")
    async def thing(ctx: Context, args: Args) -> Reply:
        return Reply(text="thing")

    assert handlers.commands == [Command(("extra", "thing"), thing, 1, "member")]
    registry = build_registry()
    assert ("extra", "thing") not in registry.commands
    registry.add_handlers(handlers)
    assert registry.commands[("extra", "thing")].handler is thing and registry.has_area("extra")


def test_registering_the_same_thing_twice_is_refused() -> None:
    registry = build_registry()
    with pytest.raises(ValueError, match="command 'help'"):
        registry.add_command(registry.commands[("help",)])
    with pytest.raises(ValueError, match="periodic job 'outbox.dispatch'"):
        job = registry.jobs["outbox.dispatch"]
        registry.add_job(job.name, job.seconds, job.function)
    with pytest.raises(ValueError, match="batch renderer 'prompt'"):
        registry.add_batch_renderer("prompt", registry.batch_renderers["prompt"])

    async def hook(worker: Worker) -> None:
        return None

    registry.add_start_hook(hook)
    with pytest.raises(ValueError, match="start hook '.*hook'"):
        registry.add_start_hook(hook)


def test_later_runs_last_and_only_fills_the_paths_nobody_registered() -> None:
    assert CAPABILITIES[-1] is register_later
    registry = Registry()

    async def stats(ctx: Context, args: Args) -> Reply:
        return Reply(text="stats")

    registry.add_command(Command(("stats",), stats))
    register_later(registry)
    assert registry.commands[("stats",)].handler is stats
    assert registry.commands[("role", "grant")].handler == NotYet("role grant")
    assert set(registry.commands) == set(LATER)


async def test_the_router_and_the_worker_use_the_registry_they_are_given(  # type: ignore[no-untyped-def]
        services: Services, registry: Registry, chat) -> None:
    async def ping(ctx: Context, args: Args) -> Reply:
        return Reply(text=f"pong {args.text}")

    registry.add_command(Command(("ping",), ping))
    registry.add_rule("ping", EVERYONE)
    assert (await chat("ana@example.com").say("ping there")).text == "pong there"
    worker = Worker(services, registry)
    assert worker.jobs is registry.jobs and worker.hooks is registry.start_hooks
