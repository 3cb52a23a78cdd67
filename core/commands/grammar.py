"""The grammar: what a command is, how a module declares its handlers, and how typed text finds a command.

A module of handlers collects them in a ``Handlers`` of its own with ``@handlers.command(...)`` and
``@handlers.action(...)`` (DESIGN.md §3); its capability's ``register(registry)`` adds them to the
process's ``core.registry.Registry``. ``match`` turns the words a member typed into a command of that
registry (any ``Vocabulary``: the registry is one) and its arguments, or a ``UsageError`` that
suggests the nearest valid word.
``core.commands.router.CommandRouter`` runs what ``match`` found.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz, process

from core.commands.context import Context
from core.errors import UsageError
from core.messages import Reply
from core.runtime.reply_cache import CacheScope
from core.text import MAX_COMMAND_LENGTH, clean, normalise_quotes, tokenize

if TYPE_CHECKING:
    from core.commands import Action


@dataclass(frozen=True)
class Args:
    """The arguments after the command words: ``tokens`` (quote-aware) and ``text`` (verbatim)."""

    tokens: tuple[str, ...]
    text: str

    def __bool__(self) -> bool:
        return bool(self.tokens)


CommandHandler = Callable[[Context, Args], Awaitable[Reply]]
ActionHandler = Callable[[Context, "Action"], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    """One entry of the grammar; ``usage`` and ``summary`` are catalog keys."""

    path: tuple[str, ...]
    handler: CommandHandler
    min_args: int = 0
    #: repeats come from core.runtime.reply_cache: "member" (the reply depends on the text, the member and the
    #: data) or "shared" (on the text, the language, time zone and roles, and the data); None: never
    cached: CacheScope | None = None

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def usage(self) -> str:
        return "usage." + ".".join(self.path)

    @property
    def summary(self) -> str:
        return "summary." + ".".join(self.path)


class Handlers:
    """One module's commands and actions, collected by decorators (like aiohttp's ``RouteTableDef``).

    Decorating registers nothing anywhere else: importing a module of handlers changes no shared
    state, and its capability's ``register(registry)`` adds them with ``Registry.add_handlers``.
    """

    def __init__(self) -> None:
        self.commands: list[Command] = []
        self.actions: list[tuple[str, ActionHandler]] = []

    def command(self, *path: str, min_args: int = 0,
                cached: CacheScope | None = None) -> Callable[[CommandHandler], CommandHandler]:
        """Declare a handler for the command words ``path`` (``"group", "create"``).

        ``cached`` only for a read-only command whose reply depends on nothing but its text, the
        database and who asks ("member") or only their language, time zone and roles ("shared") — not
        the channel, not a random choice.
        """

        def collect(handler: CommandHandler) -> CommandHandler:
            self.commands.append(Command(path, handler, min_args, cached))
            return handler

        return collect

    def action(self, prefix: str) -> Callable[[ActionHandler], ActionHandler]:
        """Declare a handler for action ids ``prefix`` or ``prefix:…``."""

        def collect(handler: ActionHandler) -> ActionHandler:
            self.actions.append((prefix, handler))
            return handler

        return collect


def closest(word: str, choices: list[str], cutoff: float = 60) -> str | None:
    """The valid word nearest to a mistyped one, for "did you mean …"."""
    found = process.extractOne(word, choices, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return found[0] if found else None


def _strip_prefix(text: str) -> str:
    """Accept ``/parvis group list``, ``parvis group list`` and ``/group list`` alike."""
    text = text.lstrip()
    if text.startswith("/"):
        text = text[1:]
    head, _, rest = text.partition(" ")
    return rest.lstrip() if head.lower() == "parvis" else text


def _split_words(text: str, count: int) -> tuple[list[str], str]:
    """The first ``count`` white-space separated words, and the verbatim rest."""
    words: list[str] = []
    rest = text
    for _ in range(count):
        parts = rest.lstrip().split(None, 1)
        if not parts:
            break
        words.append(parts[0])
        rest = parts[1] if len(parts) > 1 else ""
    return words, rest.strip()


class Vocabulary(Protocol):
    """What ``match`` reads of the commands it chooses from (``core.registry.Registry`` is one): declared
    here so that the grammar needs nothing of the registry, which holds its commands."""

    @property
    def commands(self) -> Mapping[tuple[str, ...], Command]: ...

    def has_area(self, word: str) -> bool: ...

    def areas(self) -> list[str]: ...


def match(registry: Vocabulary, text: str) -> tuple[Command, Args]:
    """Find the command of ``registry`` that ``text`` names, or raise ``UsageError`` with a suggestion."""
    text = normalise_quotes(_strip_prefix(clean(text)))
    if len(text) > MAX_COMMAND_LENGTH:
        raise UsageError("errors.too_long", length=len(text), limit=MAX_COMMAND_LENGTH)
    words, _ = _split_words(text, 2)
    if not words:
        raise UsageError("errors.empty", usage="usage.help")
    area = words[0].lower()
    if not registry.has_area(area):
        suggestion = closest(area, registry.areas())
        raise UsageError("errors.unknown_command", usage="usage.help", word=words[0],
                         suggestion=suggestion or "help")
    commands = registry.commands
    single = commands.get((area,))
    sub = words[1].lower() if len(words) > 1 else None
    found = commands.get((area, sub)) if sub else None
    if found is None and single is not None:
        found, consumed = single, 1
    elif found is None:
        subs = sorted(path[1] for path in commands if path[0] == area and len(path) > 1)
        if sub is None:
            raise UsageError("errors.missing_subcommand", usage=f"usage_area.{area}", area=area,
                             choices=", ".join(subs))
        raise UsageError("errors.unknown_subcommand", usage=f"usage_area.{area}", area=area, word=words[1],
                         suggestion=closest(sub, subs) or subs[0])
    else:
        consumed = 2
    _, rest = _split_words(text, consumed)
    args = Args(tuple(tokenize(rest)), rest)
    if len(args.tokens) < found.min_args:
        raise UsageError("errors.missing_argument", usage=found.usage, command=found.name)
    return found, args
