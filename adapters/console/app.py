"""The console chat: one person types commands, Parvis answers in plain text.

Lines come from stdin, typed at a prompt when it is a terminal or piped (``printf '…' | parvis demo``;
each piped line is echoed so the transcript reads like a conversation). ``quit``, ``exit`` or the end of
input stops. Every line goes through the same ``CommandRouter`` as Slack and Teams, so the console is
an honest way to try Parvis; nothing typed can stop the loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from adapters.console import inbound
from adapters.console.messenger import ConsoleMessenger
from adapters.console.outbound import Screen
from core.commands import Actor
from core.commands.router import CommandRouter
from core.markup import plain
from core.messages import Reply
from core.ports import ConversationRef
from core.registry import Registry
from core.services import Services
from core.text import clean, shorten

log = logging.getLogger(__name__)

QUIT = frozenset({"quit", "exit", "/quit", "/exit"})
PROMPT = "parvis› "
MORE = "… "
ECHO = "› "
ECHO_LIMIT = 200

Reader = Callable[[str], "str | None"]
#: what the chat reads lines with: a blocking ``Reader``, or one that waits without blocking the loop
LineSource = Callable[[str], "str | None | Awaitable[str | None]"]


def stream_reader(stream: TextIO) -> Reader:
    """Reads piped lines; ``None`` at the end of input."""

    def read(_prompt: str) -> str | None:
        line = stream.readline()
        return line.rstrip("\r\n") if line else None

    return read


def terminal_reader() -> Reader:
    """Reads at an interactive prompt, with line editing and history where ``readline`` exists."""
    try:
        import readline  # noqa: F401  (enables editing and history for input())
    except ImportError:
        pass

    def read(prompt: str) -> str | None:
        try:
            return input(prompt)
        except EOFError:
            return None

    return read


def threaded(read: Reader) -> Callable[[str], Awaitable[str | None]]:
    """``read`` in a thread of its own, so the event loop (the worker sending prompts and reminders)
    keeps running while the member is typing or the pipe is quiet.

    A daemon thread per line rather than the loop's executor: on Ctrl-C nothing waits for a
    pending ``input()``, which would otherwise hold the process until Enter.
    """

    async def read_in_thread(prompt: str) -> str | None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()

        def settle(result: str | None, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        def work() -> None:
            try:
                result, error = read(prompt), None
            except BaseException as exc:  # noqa: BLE001 — handed to the waiting coroutine
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(settle, result, error)
            except RuntimeError:  # the loop is gone (Ctrl-C): nobody is waiting any more
                pass

        threading.Thread(target=work, name="parvis-console-input", daemon=True).start()
        return await future

    return read_in_thread


@dataclass
class ConsoleChat:
    """One member's chat session over a router."""

    router: CommandRouter
    actor: Actor
    screen: Screen
    read: LineSource
    echo: bool = False
    channel: ConversationRef | None = None

    async def run(self) -> None:
        """Until ``quit`` or the end of input."""
        while True:
            line = await self.line(PROMPT)
            if line is None or line.strip().lower() in QUIT:
                return
            if not line.strip():
                continue
            if self.echo:
                self.screen.write(ECHO + shorten(clean(line), ECHO_LIMIT))
            await self.turn(line)

    async def line(self, prompt: str) -> str | None:
        """The next line, from a blocking or an awaitable reader."""
        found = self.read(prompt)
        if inspect.isawaitable(found):
            return await found
        return found

    async def turn(self, line: str) -> None:
        """One line: a numbered choice or a command; never raises."""
        try:
            button = inbound.chosen(line, self.screen.choices)
            if button is not None:
                reply = await self.router.act(inbound.click(self.actor, button, self.channel))
            else:
                reply = await self.router.handle(inbound.command(self.actor, line, self.channel))
            await self.show(reply, follow_up=button is not None)
            if self.screen.form is not None:
                await self.fill_form()
        except Exception:
            log.exception("console turn failed")
            self.screen.write(self.screen.t("errors.internal") + "\n")

    async def show(self, reply: Reply, follow_up: bool = False) -> None:
        """Print a reply; the console's own words follow its language (``lang fr`` switches them);
        ``follow_up``: the reply to a click or a form, under the message that was clicked."""
        self.screen.show(reply, follow_up=follow_up)

    async def fill_form(self) -> None:
        """Ask the form's inputs, then submit; a form may answer with another form."""
        while self.screen.form is not None:
            session = inbound.FormSession(self.screen.form, self.screen.t)
            self.screen.form = None
            if not await self._ask(session):
                self.screen.write(self.screen.t("console.form_cancelled") + "\n")
                return
            reply = await self.router.act(session.action(self.actor, self.channel))
            await self.show(reply, follow_up=True)

    async def _checked(self, session: inbound.FormSession) -> str | None:
        """The answer just given, checked by the core when the form asks for it: its problem (and the
        same input asked again), or ``None``."""
        action = session.check(self.actor, self.channel)
        if action is None or session.cancelled:
            return None
        reply = await self.router.act(action)
        if not reply.error:
            return None
        session.back()
        return plain(reply.text)

    async def _ask(self, session: inbound.FormSession) -> bool:
        """Whether every input got an answer (not cancelled, input not over)."""
        asked = None
        while not session.done:
            if not session.collecting and asked is not session.current:
                self.screen.write(session.prompt())
                asked = session.current
            line = await self.line(MORE if session.collecting else PROMPT)
            if line is None:
                return False
            if self.echo:
                self.screen.write(ECHO + shorten(clean(line), ECHO_LIMIT))
            before = session.current
            problem = session.answer(line)
            if problem is None and before is not None and session.current is not before:
                problem = await self._checked(session)
            if problem is not None:
                self.screen.write(problem)
                asked = None
        return not session.cancelled


def open_chat(services: Services, registry: Registry, email: str, screen: Screen, read: LineSource, *,
              echo: bool = False, channel: str | None = None) -> ConsoleChat:
    """A chat for ``email`` over ``services`` and the commands of ``registry`` (``services``' ``console``
    messenger should print to ``screen``)."""
    return ConsoleChat(CommandRouter(services, registry), inbound.console_actor(email), screen, read, echo,
                       inbound.channel_ref(channel))


def attach_messenger(services: Services, screen: Screen, email: str,
                     channel: str | None = None) -> ConsoleMessenger:
    """Register the console messenger, so what Parvis sends to anyone on the console is printed
    (what is posted in ``channel``, the chat's, as for the reader: its buttons numbered)."""
    messenger = ConsoleMessenger(screen, email.strip().lower(), services,
                                 channel=channel.lstrip("#").lower() if channel else None)
    services.messengers[messenger.platform] = messenger
    return messenger
