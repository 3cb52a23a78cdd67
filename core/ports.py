"""Ports: the small interfaces the core needs from the outside world.

Adapters implement ``Messenger``; ``bots/bootstrap.py`` wires them. Tests use the ``Fake…`` twins.
Addresses are opaque value objects: the core stores and passes them, never looks inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from core.messages import Reply


@dataclass(frozen=True)
class ConversationRef:
    """A channel, group chat or thread on one platform (Slack channel id, Teams conversation id)."""

    platform: str
    tenant: str
    channel: str
    thread: str | None = None


@dataclass(frozen=True)
class MemberAddress:
    """Where to reach one member directly: their identity on one platform."""

    platform: str
    tenant: str
    user_id: str


@dataclass(frozen=True)
class SentMessage:
    """The platform's reference to a message it accepted, so it can be updated later."""

    platform: str
    conversation: str
    message_id: str


@runtime_checkable
class Messenger(Protocol):
    """Sends replies on one platform. Raises ``core.errors.DeliveryError`` on failure."""

    platform: str
    #: whether ``invite`` can really add people to a channel (Teams' bot API cannot: it does nothing)
    can_invite: bool

    async def send_direct(self, to: MemberAddress, reply: Reply) -> SentMessage:
        """Send to the member's direct conversation with the bot, opening it if needed."""
        ...

    async def post(self, channel: ConversationRef, reply: Reply) -> SentMessage:
        """Post visibly in a channel."""
        ...

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message sent earlier (a card that now shows "answered by …")."""
        ...

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        """Add members to a channel (a new group member to the group's linked channels).

        Someone already in the channel counts as success. Batching to the platform's limits is the
        messenger's business; a refusal or a rate limit raises ``DeliveryError``.
        """
        ...


class Clock(Protocol):
    """The time, injectable so tests move it instead of sleeping."""

    def now(self) -> datetime:
        """Timezone-aware UTC now."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FakeClock:
    """A clock that only moves when told to."""

    current: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 8, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current


@dataclass
class FakeMessenger:
    """Records what would have been sent; used by unit tests and by the console's other members."""

    platform: str = "fake"
    sent: list[tuple[str, object, Reply]] = field(default_factory=list)
    #: every ``invite`` call, apart from ``sent`` so tests of messages do not see invitations
    invited: list[tuple[ConversationRef, list[MemberAddress]]] = field(default_factory=list)
    can_invite: bool = True

    async def send_direct(self, to: MemberAddress, reply: Reply) -> SentMessage:
        self.sent.append(("direct", to, reply))
        return SentMessage(self.platform, to.user_id, str(len(self.sent)))

    async def post(self, channel: ConversationRef, reply: Reply) -> SentMessage:
        self.sent.append(("post", channel, reply))
        return SentMessage(self.platform, channel.channel, str(len(self.sent)))

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        self.sent.append(("update", sent, reply))

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        self.invited.append((channel, list(members)))
