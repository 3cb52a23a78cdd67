"""Ports: the small interfaces the core needs from the outside world.

Adapters implement ``Messenger``; ``bots/bootstrap.py`` wires them. Tests use the ``Fake…`` twins.
Addresses are opaque value objects: the core stores and passes them, never looks inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from core.errors import MessageGone
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
class GroupAddress:
    """Where to reach several members of one platform and tenant together: a conversation of just
    them and the bot (a Slack group direct message), e.g. a coffee pairing's introduction."""

    platform: str
    tenant: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class SentMessage:
    """The platform's reference to a message it accepted, so it can be updated later."""

    platform: str
    conversation: str
    message_id: str


@dataclass
class Progress:
    """How far a message of several parts got: a Slack message holds 50 blocks, so a long reply is
    several posts; a Teams reply may be several activities.

    The dispatcher keeps it in the outbox row (``Delivery.message_ref``) and hands it back on a retry,
    so the messenger resumes at the first part the platform has not accepted instead of sending every
    part again. A messenger skips the first ``parts`` parts of the reply (rendered again at send
    time: if it now has fewer, nothing is left to send) and calls ``advance`` after each part the
    platform accepts, so what was sent is known even when the send fails or is cut short.
    """

    parts: int = 0
    #: the platform's reference to the first part: what the message is known by (and updated through)
    first: SentMessage | None = None

    def advance(self, sent: SentMessage) -> None:
        self.parts += 1
        if self.first is None:
            self.first = sent

    def as_ref(self) -> dict[str, Any]:
        """What the outbox row keeps: the first part's reference and how many parts went."""
        if self.first is None:
            return {}
        return {**asdict(self.first), "parts": self.parts}

    @classmethod
    def from_ref(cls, ref: Mapping[str, Any]) -> Progress:
        """The progress an outbox row kept (none for a row never partly sent)."""
        try:
            first = SentMessage(str(ref["platform"]), str(ref["conversation"]), str(ref["message_id"]))
            return cls(int(ref.get("parts", 1)), first)
        except (KeyError, TypeError, ValueError):
            return cls()


@runtime_checkable
class Messenger(Protocol):
    """Sends replies on one platform. Raises ``core.errors.DeliveryError`` on failure.

    ``send_direct`` and ``post`` take the ``Progress`` of an earlier, partial attempt (or ``None``),
    resume after the parts it counts, advance it part by part, and return the first part's
    reference."""

    platform: str
    #: whether ``invite`` can really add people to a channel (Teams' bot API cannot: it does nothing)
    can_invite: bool
    #: whether ``send_group`` can open a conversation of several people (a Slack group DM; Teams'
    #: bots cannot start group chats, so a coffee pairing there is one 1:1 message per person)
    can_open_group: bool

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        """Send to the member's direct conversation with the bot, opening it if needed."""
        ...

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        """Post visibly in a channel."""
        ...

    async def send_group(self, to: GroupAddress, reply: Reply,
                         progress: Progress | None = None) -> SentMessage:
        """Open (or reuse) the conversation of these members with the bot and send there; a
        messenger whose ``can_open_group`` is false raises a permanent ``DeliveryError``."""
        ...

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        """Replace a message sent earlier (a card that now shows "answered by …")."""
        ...

    async def delete(self, message: SentMessage) -> None:
        """Delete a message the bot sent (moderation's *Remove*). ``core.errors.MessageGone`` when the
        platform says it is not there (deleted already); other refusals raise ``DeliveryError``."""
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
    can_open_group: bool = True

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        return self._record("direct", to, to.user_id, reply, progress)

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        return self._record("post", channel, channel.channel, reply, progress)

    async def send_group(self, to: GroupAddress, reply: Reply,
                         progress: Progress | None = None) -> SentMessage:
        return self._record("group", to, ",".join(to.user_ids), reply, progress)

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        self.sent.append(("update", sent, reply))

    async def delete(self, message: SentMessage) -> None:
        """Like a platform: a message this fake never sent, or deleted already, is ``MessageGone``."""
        index = int(message.message_id) - 1 if message.message_id.isdigit() else -1
        posted = 0 <= index < len(self.sent) and self.sent[index][0] in ("direct", "post")
        deleted = any(kind == "delete" and item == message for kind, item, _ in self.sent)
        if not posted or deleted:
            raise MessageGone(f"{self.platform}: message {message.message_id} not found")
        self.sent.append(("delete", message, Reply(text="")))

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        self.invited.append((channel, list(members)))

    def _record(self, kind: str, to: object, conversation: str, reply: Reply,
                progress: Progress | None) -> SentMessage:
        """A message of one part: recorded, unless an earlier attempt got it through already."""
        if progress is not None and progress.first is not None:
            return progress.first
        self.sent.append((kind, to, reply))
        sent = SentMessage(self.platform, conversation, str(len(self.sent)))
        if progress is not None:
            progress.advance(sent)
        return sent

