"""What adapters hand the core: who acts (``Actor``), what they typed (``Invocation``), what they clicked
or submitted (``Action``). Platform-neutral: each adapter builds them from its own payloads."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ports import ConversationRef, SentMessage


@dataclass(frozen=True)
class Actor:
    """The person behind an inbound request, as the platform describes them."""

    platform: str
    tenant: str
    user_id: str
    email: str | None = None
    display_name: str | None = None
    timezone: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Invocation:
    """A command typed by a member: ``text`` is what follows ``/parvis`` (or the bot mention)."""

    actor: Actor
    text: str
    channel: ConversationRef | None = None


@dataclass(frozen=True)
class Action:
    """A button click or form submission; ``values`` holds the form inputs by name."""

    actor: Actor
    action_id: str
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)
    channel: ConversationRef | None = None
    message: SentMessage | None = None
