"""``dashboard`` and the admins' *Revoke* of a web console session.

``dashboard`` answers the member alone (Slack: ephemeral; Teams: only in the personal chat, never in a
channel where others would see the link; the console: printed) with a sign-in link to the web
console at ``[web] public_url``/app/, valid once and for ten minutes (``core.web.sessions``).
"""

from __future__ import annotations

from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.commands.requests import Action
from core.errors import InvalidInput, UsageError
from core.markup import Markup
from core.messages import Reply
from core.web import sessions

#: this module's commands; ``core/web/wiring.py`` adds them to the registry
handlers = Handlers()

#: the path under ``[web] public_url`` the link opens (``adapters/web``)
SIGN_IN = "/app/signin/"
#: platforms whose reply in a shared channel the others would see
SHARED_REPLIES = frozenset({"teams"})
REVOKE = "web.revoke"


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{SIGN_IN}{token}"


@handlers.command("dashboard")
async def dashboard(ctx: Context, args: Args) -> Reply:
    """A sign-in link for the web console, for the member's eyes only."""
    if args:
        raise UsageError("dashboard.no_arguments", usage="usage.dashboard")
    public_url = ctx.services.settings.web.public_url
    if not public_url:
        return Reply(text=ctx.t("dashboard.off"), error=True)
    if ctx.channel is not None and ctx.actor.platform in SHARED_REPLIES:
        return Reply(text=ctx.t("dashboard.personal_only"), error=True)
    token = sessions.issue_link(ctx.uow, ctx.member_id, ctx.services.clock.now())
    url = Markup(link_url(public_url, token))
    return Reply(text=ctx.t("dashboard.link", url=url, minutes=int(sessions.LINK_TTL.total_seconds() // 60)),
                 visibility="private")


@handlers.action(REVOKE)
async def revoke(ctx: Context, act: Action) -> Reply:
    """An admin ends someone's web console session (the *Revoke* button of /app/admin/sessions)."""
    if not act.value.isdigit():
        raise InvalidInput("web.session_not_found", id=act.value[:20])
    line = await sessions.revoke(ctx.uow, int(act.value), ctx.member_id, ctx.services.clock.now())
    return Reply(text=ctx.t("web.session_revoked", who=line.name))
