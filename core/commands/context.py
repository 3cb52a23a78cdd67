"""What a handler gets: the services of the process, the member it acts for and their transaction.

The process's registry reaches a handler as ``ctx.registry``, read through ``Commands``, declared here:
the registry holds the handlers, which take a ``Context``, so this module does not import it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from core.access.rules import Rule, holds, permits
from core.errors import Forbidden
from core.i18n import Translator
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork
from core.services import Services

if TYPE_CHECKING:
    from core.commands import Actor
    from core.directory.models import Member

AfterCommit = Callable[[], Awaitable[Any]]


class MemberSource(Protocol):
    """Who acts (``core.directory.members.Resolution``): the id at once, the ``Member`` row on demand."""

    member_id: int

    @property
    def timezone(self) -> str: ...

    def member(self) -> Member: ...


class Listed(Protocol):
    """A command as ``help`` lists it (``core.commands.grammar.Command`` is one)."""

    @property
    def path(self) -> tuple[str, ...]: ...

    @property
    def handler(self) -> object: ...

    @property
    def name(self) -> str: ...

    @property
    def usage(self) -> str: ...

    @property
    def summary(self) -> str: ...


class Commands(Protocol):
    """What a handler reads of the process's registry (``core.registry.Registry`` is one): the rule of
    a command or action (who may use it), and the commands themselves, for ``help``."""

    @property
    def commands(self) -> Mapping[tuple[str, ...], Listed]: ...

    def rule(self, name: str) -> Rule | None: ...

    def has_area(self, word: str) -> bool: ...

    def areas(self) -> list[str]: ...


@dataclass
class Context:
    """One command's view of the world: who acts, in which transaction, in which language.

    Side effects that must not happen unless the transaction commits (messages to other people,
    channel posts) are queued with ``after_commit`` and run by the router once the data is saved.
    """

    services: Services
    uow: UnitOfWork
    who: MemberSource
    roles: frozenset[str]
    actor: Actor
    channel: ConversationRef | None
    t: Translator
    #: the process's registry (``core.registry.Registry``), handed by the router
    registry: Commands
    effects: list[AfterCommit] = field(default_factory=list)
    #: cleared by a handler whose action must leave no activity record (an anonymous answer)
    record_activity: bool = True
    #: set by a handler that erased the member's own data (``privacy delete``): the router's check that
    #: the member was not erased meanwhile does not apply to the erasure itself
    forgotten: bool = False

    @cached_property
    def member(self) -> Member:
        """The member's row (detached; built on first use: most commands need only the id)."""
        return self.who.member()

    @property
    def member_id(self) -> int:
        return self.who.member_id

    @property
    def timezone(self) -> str:
        """The member's IANA time zone, without building their row (``member``: about 0.1 ms)."""
        return self.who.timezone

    @property
    def locale(self) -> str:
        return self.t.locale

    def has_role(self, *roles: str) -> bool:
        """Whether the member holds any of ``roles`` (admins hold every role)."""
        return holds(self.roles, *roles)

    def rule(self, command: str) -> Rule:
        """The permission table's row for a command (``"campaign start"``) or action prefix."""
        found = self.registry.rule(command)
        if found is None:
            raise Forbidden("errors.forbidden")  # no row, no right: a command must be in the table
        return found

    def may(self, command: str, ownership: Iterable[str] = ()) -> bool:
        """Whether the member may do ``command`` to a thing they have the relations ``ownership`` to."""
        return permits(self.roles, self.rule(command), ownership)

    def require(self, command: str, ownership: Iterable[str] = (), key: str | None = None,
                **params: Any) -> None:
        """``Forbidden`` (the rule's refusal, or ``key``) unless the member may do ``command``."""
        if not self.may(command, ownership):
            raise Forbidden(key or self.rule(command).denied, **params)

    def after_commit(self, effect: AfterCommit) -> None:
        self.effects.append(effect)
