"""What every page of the web console shares: the services, the router, the member of the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from core.commands.requests import Action, Invocation
from core.commands.router import CommandRouter
from core.errors import Forbidden
from core.messages import Reply
from core.services import Services
from core.web import sessions
from core.web.adoption import Recent
from core.web.sessions import Visitor

COOKIE = "parvis_session"
#: the refusal of a page to someone signed out (401): how to get a link from the chat
SIGNED_OUT = "webui.signed_out"


#: the most notices waiting for their page (one per session at most; the oldest dropped beyond)
FLASHES_KEPT = 1000


@dataclass(frozen=True)
class Flash:
    """What the last action said, shown at the top of the page."""

    text: str
    error: bool = False


@dataclass
class Console:
    """The console's state on its sub-application."""

    services: Services
    router: CommandRouter
    #: session id → the notice of its last action, shown once by the page it was redirected to (kept in
    #: this process, never in a cookie, so nobody can make a page say what the server did not)
    flashes: dict[int, Flash] = field(default_factory=dict)
    #: the adoption figures gathered lately, reused for a minute (``core.web.adoption``)
    recent_figures: Recent = field(default_factory=Recent)

    def keep_flash(self, session_id: int, flash: Flash) -> None:
        self.flashes.pop(session_id, None)
        self.flashes[session_id] = flash
        while len(self.flashes) > FLASHES_KEPT:
            del self.flashes[next(iter(self.flashes))]

    @property
    def secure(self) -> bool:
        """Whether cookies must be Secure: the configured public URL is https."""
        return (self.services.settings.web.public_url or "").startswith("https://")

    async def csrf_ok(self, request: web.Request) -> bool:
        token = request.cookies.get(COOKIE, "")
        if not token or request[VISITOR] is None:
            return False
        form = await request.post()
        sent = form.get("csrf", "")
        return isinstance(sent, str) and sessions.csrf_matches(token, sent)

    async def say(self, visitor: Visitor, text: str) -> Reply:
        """Run ``text`` as a command typed by the member: the same gate and table as the chat."""
        return await self.router.handle(Invocation(actor=visitor.actor, text=text))

    async def act(self, visitor: Visitor, action_id: str, value: str = "",
                  values: dict[str, str] | None = None) -> Reply:
        """Run a click or form submission as the member, through the router."""
        return await self.router.act(Action(actor=visitor.actor, action_id=action_id, value=value,
                                            values=dict(values or {})))


CONSOLE = web.AppKey("parvis.web.console", Console)
#: the member signed in on a request (``None``: nobody), read once by ``visitor_of``
VISITOR: web.RequestKey[Visitor | None] = web.RequestKey("parvis.web.visitor")


async def visitor_of(request: web.Request) -> Visitor | None:
    """The member signed in on ``request`` (read once per request), or ``None``."""
    if VISITOR not in request:
        console = request.app[CONSOLE]
        token = request.cookies.get(COOKIE)
        request[VISITOR] = (await sessions.visitor(console.services.db, token, console.services.clock.now())
                            if token else None)
    found: Visitor | None = request[VISITOR]
    return found


def member(request: web.Request) -> Visitor:
    """The member signed in, or the "signed out" refusal (401)."""
    found: Visitor | None = request.get(VISITOR)
    if found is None:
        raise Forbidden(SIGNED_OUT)
    return found
