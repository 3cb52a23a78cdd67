"""The registry: every command, action, periodic job, outbox renderer and start hook of one process.

Why one object, built on purpose: what the bot can do must not depend on which modules happen to have
been imported, nor in which order. Importing a module registers nothing; each capability package has
one ``register(registry)`` function (its ``wiring.py``) that adds what it brings, and
``core.capabilities.build_registry`` calls them in the order listed there. The composition root
(``bots/bootstrap.py``) hands the result to those that read it: the ``CommandRouter`` (which gives it to
each handler as ``ctx.registry``, for ``help`` and the permission rules), the scheduler's ``Worker``, and
``Services.renderers`` for the dispatcher. It is not on ``Services``: its handlers and jobs take
``Services``, and the modules below it read it through small protocols of their own
(``core.commands.grammar.Vocabulary``, ``core.commands.context.Commands``,
``core.delivery.rendering.Renderers``, ``core.runtime.scheduler.Schedule``), so no import runs back up.

Adding something twice is a wiring mistake and raises ``ValueError``: no capability silently replaces
another's command, job or renderer.

Who may use each command and action is the permission table (``core.access.table``), which every
registry starts from; ``add_rule`` gives a command added outside the capabilities (a test's, a
plug-in's) its row, never replacing one of the table's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from core.access.rules import Rule
from core.access.table import TABLE
from core.runtime.jobs import JobFunction, PeriodicJob

if TYPE_CHECKING:
    from core.commands.grammar import ActionHandler, Command, Handlers
    from core.delivery.outbox import BatchRenderer, Renderer
    from core.runtime.scheduler import StartHook

Key = TypeVar("Key")
Value = TypeVar("Value")


def _add(entries: dict[Key, Value], key: Key, value: Value, what: str) -> None:
    if key in entries:
        raise ValueError(f"{what} is registered twice")
    entries[key] = value


@dataclass
class Registry:
    """What this process's commands, clicks, periodic work and outbox purposes run; filled once at
    start-up through the ``add_…`` methods, read afterwards. Two registries built the same way are equal."""

    #: command words → command (DESIGN.md §3), in registration order
    commands: dict[tuple[str, ...], Command] = field(default_factory=dict)
    #: action id prefix (``group.join`` for ``group.join:12``) → handler
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    #: job name → periodic job, run by ``core.runtime.scheduler.Worker``
    jobs: dict[str, PeriodicJob] = field(default_factory=dict)
    #: delivery purpose → renderer of one outbox row (``core.delivery.outbox``)
    renderers: dict[str, Renderer] = field(default_factory=dict)
    #: delivery purpose → renderer of a batch of rows; takes precedence over ``renderers``
    batch_renderers: dict[str, BatchRenderer] = field(default_factory=dict)
    #: name → hook that (re)creates jobs from the database when this process leads the scheduler
    start_hooks: dict[str, StartHook] = field(default_factory=dict)
    #: command name or action prefix → who may use it: the permission table, plus ``add_rule``'s rows
    rules: dict[str, Rule] = field(default_factory=lambda: dict(TABLE))
    #: the first words of ``commands``, kept beside them: ``match`` checks one on every command
    _areas: set[str] = field(default_factory=set, init=False, repr=False)

    # -- commands and actions ------------------------------------------------------------------------

    def add_command(self, command: Command) -> None:
        _add(self.commands, command.path, command, f"command {command.name!r}")
        self._areas.add(command.path[0])

    def add_action(self, prefix: str, handler: ActionHandler) -> None:
        _add(self.actions, prefix, handler, f"action {prefix!r}")

    def add_handlers(self, *modules: Handlers) -> None:
        """Every command and action a module collected with ``@handlers.command`` / ``@handlers.action``."""
        for handlers in modules:
            for command in handlers.commands:
                self.add_command(command)
            for prefix, handler in handlers.actions:
                self.add_action(prefix, handler)

    def add_rule(self, name: str, rule: Rule) -> None:
        """Who may use the command ``name`` (``"ping"``) or the action prefix ``name``, for one that the
        permission table does not list; a command without a rule is refused to everyone."""
        _add(self.rules, name, rule, f"permission rule {name!r}")

    def rule(self, name: str) -> Rule | None:
        return self.rules.get(name)

    def has_area(self, word: str) -> bool:
        return word in self._areas

    def areas(self) -> list[str]:
        """The first words of the commands (``group``, ``campaign``, ``help``…), sorted."""
        return sorted(self._areas)

    # -- periodic jobs, renderers, start hooks -------------------------------------------------------

    def add_job(self, name: str, seconds: float, function: JobFunction, *, leader_only: bool = False) -> None:
        """Run ``function(services)`` every ``seconds``; ``leader_only`` jobs in one process at a time."""
        _add(self.jobs, name, PeriodicJob(name, seconds, function, leader_only), f"periodic job {name!r}")

    def add_renderer(self, purpose: str, renderer: Renderer) -> None:
        """Render outbox rows of ``purpose`` one at a time, at send time (see ``core.delivery.outbox``)."""
        _add(self.renderers, purpose, renderer, f"renderer {purpose!r}")

    def add_batch_renderer(self, purpose: str, renderer: BatchRenderer) -> None:
        """Render every claimed row of ``purpose`` at once (see ``core.delivery.outbox``)."""
        _add(self.batch_renderers, purpose, renderer, f"batch renderer {purpose!r}")

    def add_start_hook(self, hook: StartHook) -> None:
        """Run ``hook(worker)`` when this process becomes the scheduler leader, and at every resync."""
        name = f"{hook.__module__}.{hook.__qualname__}"
        _add(self.start_hooks, name, hook, f"start hook {name!r}")
