"""The console's ``Messenger``: what Parvis sends to other people and channels appears in the chat.

In a terminal there is only one reader, so a message to someone else (an expert asked a question, a
campaign prompt, an announcement in a channel) is printed under a banner saying where it went; it is
how the demo shows the whole flow; so are group members added to a linked channel. A message to the
reader themselves, or a post in the channel their chat is in (``parvis chat --channel``: a poll),
is printed like a reply, and its buttons become the numbered choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from adapters.console.inbound import PLATFORM
from adapters.console.outbound import Screen, banner
from core.directory.members import person_by_email
from core.errors import MessageGone
from core.messages import Reply
from core.ports import ConversationRef, GroupAddress, MemberAddress, Progress, SentMessage
from core.services import Services


@dataclass
class ConsoleMessenger:
    """Prints what is sent; ``reader`` is the e-mail of the person at the keyboard, ``channel`` the
    channel their chat is in, if any."""

    screen: Screen
    reader: str
    services: Services | None = None
    platform: str = PLATFORM
    can_invite: bool = True
    can_open_group: bool = True
    channel: str | None = None
    sent: dict[str, tuple[str, Reply]] = field(default_factory=dict)
    _ids: count[int] = field(default_factory=lambda: count(1))

    async def send_direct(self, to: MemberAddress, reply: Reply,
                          progress: Progress | None = None) -> SentMessage:
        if progress is not None and progress.first is not None:  # one part, shown already
            return progress.first
        mine = to.user_id.lower() == self.reader.lower()
        heading = self.screen.t("console.message_to_you") if mine else await self._to_someone(to.user_id)
        self.screen.show(reply, heading, for_reader=mine)
        return self._keep(to.user_id, heading, reply, progress)

    async def send_group(self, to: GroupAddress, reply: Reply,
                         progress: Progress | None = None) -> SentMessage:
        """A console "group conversation": shown once, as the reader's when they are in it."""
        if progress is not None and progress.first is not None:
            return progress.first
        mine = self.reader.lower() in (user.lower() for user in to.user_ids)
        heading = (self.screen.t("console.message_to_you") if mine
                   else await self._to_someone(",".join(to.user_ids)))
        self.screen.show(reply, heading, for_reader=mine)
        return self._keep(",".join(to.user_ids), heading, reply, progress)

    async def post(self, channel: ConversationRef, reply: Reply,
                   progress: Progress | None = None) -> SentMessage:
        if progress is not None and progress.first is not None:
            return progress.first
        heading = self.screen.t("console.post_in", channel=channel.channel)
        self.screen.show(reply, heading, for_reader=self._here(channel.channel))
        return self._keep(channel.channel, heading, reply, progress)

    async def update(self, sent: SentMessage, reply: Reply) -> None:
        where = self.sent.get(sent.message_id, ("", reply))[0] or sent.conversation
        mine = sent.conversation.lower() == self.reader.lower() or self._here(sent.conversation)
        # an update left with no action (a card answered) leaves the reader's numbers alone: those of
        # the message they are working through stay usable, and a used one says it was answered
        actions = bool(reply.buttons or reply.form or any(s.buttons for s in reply.sections))
        self.screen.show(reply, self.screen.t("console.updated", where=where), for_reader=mine and actions)
        self.sent[sent.message_id] = (where, reply)

    async def delete(self, message: SentMessage) -> None:
        """Say which message was deleted; one never shown, or deleted already, is ``MessageGone``."""
        if self.sent.pop(message.message_id, None) is None:
            raise MessageGone(f"console: message {message.message_id} not found")
        self.screen.write(banner(self.screen.t("console.deleted", where=message.conversation)) + "\n")

    async def invite(self, channel: ConversationRef, members: list[MemberAddress]) -> None:
        """A console "channel" is a name: show who was added to it."""
        who = ", ".join(member.user_id for member in members)
        label = self.screen.t("console.invites.added", channel=channel.channel, members=who)
        self.screen.write(banner(label) + "\n")

    def _here(self, channel: str) -> bool:
        """Whether ``channel`` is the one the reader's chat is in."""
        return self.channel is not None and channel.lstrip("#").lower() == self.channel.lower()

    async def _to_someone(self, email: str) -> str:
        name = None
        if self.services is not None:
            person = await person_by_email(self.services, email)
            name = person.display_name if person is not None else None
        if name:
            return self.screen.t("console.message_to", name=name, email=email)
        return self.screen.t("console.message_to_address", email=email)

    def _keep(self, conversation: str, heading: str, reply: Reply, progress: Progress | None) -> SentMessage:
        message_id = str(next(self._ids))
        self.sent[message_id] = (heading, reply)
        sent = SentMessage(self.platform, conversation, message_id)
        if progress is not None:
            progress.advance(sent)
        return sent
