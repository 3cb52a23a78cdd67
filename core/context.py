"""What a handler gets: the services of the process and the member it acts for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import time
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from core.db import Database, UnitOfWork
from core.i18n import Translator
from core.ports import Clock, ConversationRef, Messenger, SystemClock

if TYPE_CHECKING:
    from core.commands import Actor
    from core.models import Member

AfterCommit = Callable[[], Awaitable[Any]]


@dataclass
class CoreSettings:
    """The settings the core reads; ``bots/config.py`` fills them from the TOML file."""

    default_locale: str = "en"
    answer_timeout_minutes: int = 240
    max_hops: int = 3
    #: ``[experts] working_hours``: the answer timeout counts only this daily window, Monday to
    #: Friday, in each expert's time zone (``core.working_hours``); ``None``: every minute counts
    working_hours: tuple[time, time] | None = None


@dataclass
class Services:
    """Process-wide dependencies, built once by ``bots/bootstrap.py``."""

    db: Database
    clock: Clock = field(default_factory=SystemClock)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    settings: CoreSettings = field(default_factory=CoreSettings)

    def messenger(self, platform: str) -> Messenger | None:
        return self.messengers.get(platform)


class MemberSource(Protocol):
    """Who acts (``core.directory.Resolution``): the id at once, the ``Member`` row on demand."""

    member_id: int

    def member(self) -> Member: ...


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
    effects: list[AfterCommit] = field(default_factory=list)
    #: cleared by a handler whose action must leave no activity record (an anonymous answer)
    record_activity: bool = True

    @cached_property
    def member(self) -> Member:
        """The member's row (detached; built on first use: most commands need only the id)."""
        return self.who.member()

    @property
    def member_id(self) -> int:
        return self.who.member_id

    @property
    def locale(self) -> str:
        return self.t.locale

    def has_role(self, *roles: str) -> bool:
        """Whether the member holds any of ``roles`` (admins hold every role)."""
        return "admin" in self.roles or any(role in self.roles for role in roles)

    def after_commit(self, effect: AfterCommit) -> None:
        self.effects.append(effect)
