"""Message links, read: a Slack permalink or a Teams message link → which message it names.

    https://acme.slack.com/archives/C0123ABCD/p1700000000000100        (ts 1700000000.000100)
    https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1614286436960?tenantId=…

Slack names the workspace by its web address only, Teams the tenant by ``tenantId``; either must be
one this installation serves (``core.directory.tenancy``). Anything else is ``InvalidInput`` with a
message saying what a message link looks like and where to copy it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from core.directory.tenancy import Tenancy
from core.errors import InvalidInput

SLACK_PATH = re.compile(r"^/archives/([CDGZ][A-Z0-9]{2,})/p(\d{16})/?$")
TEAMS_PATH = re.compile(r"^/l/message/([^/]+)/([^/]+)/?$")
TEAMS_HOSTS = frozenset({"teams.microsoft.com", "teams.cloud.microsoft"})
MAX_LINK = 1000


@dataclass(frozen=True)
class MessageLink:
    """One message on one platform: ``tenant`` is the Slack workspace address or the Teams tenant id."""

    platform: str
    tenant: str
    conversation: str
    message_id: str
    url: str


def clean(text: str) -> str:
    """The link as typed, without the ``<…>`` or ``<…|label>`` Slack wraps links in."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].partition("|")[0]
    return text


def parse(text: str, tenancy: Tenancy) -> MessageLink:
    """The message ``text`` links to, if it is one of a workspace or tenant Parvis serves."""
    url = clean(text)
    try:
        parts = urlsplit(url) if len(url) <= MAX_LINK else None
    except ValueError:
        parts = None
    host = (parts.hostname or "") if parts is not None and parts.scheme in ("http", "https") else ""
    if parts is None or not host:
        raise InvalidInput("moderation.not_a_link", link=url[:200])
    if host.endswith(".slack.com"):
        return _slack(url, host, parts.path, tenancy)
    if host in TEAMS_HOSTS:
        return _teams(url, parts.path, parts.query, tenancy)
    raise InvalidInput("moderation.not_a_message", link=url[:200])


def _slack(url: str, host: str, path: str, tenancy: Tenancy) -> MessageLink:
    found = SLACK_PATH.match(path)
    if found is None:
        raise InvalidInput("moderation.not_a_message", link=url[:200])
    if not tenancy.serves_host("slack", host):
        raise InvalidInput("moderation.not_served", link=url[:200], where=host)
    digits = found.group(2)
    return MessageLink("slack", host, found.group(1), f"{digits[:10]}.{digits[10:]}", url)


def _teams(url: str, path: str, query: str, tenancy: Tenancy) -> MessageLink:
    found = TEAMS_PATH.match(path)
    tenant = (parse_qs(query).get("tenantId") or [""])[0]
    if found is None:
        raise InvalidInput("moderation.not_a_message", link=url[:200])
    if not tenant or not tenancy.allows("teams", tenant):
        raise InvalidInput("moderation.not_served", link=url[:200], where=tenant or "?")
    return MessageLink("teams", tenant, unquote(found.group(1)), found.group(2), url)


def slack_permalink(host: str, channel: str, ts: str) -> str:
    """The permalink of a Slack message, as Slack's "Copy link" gives it."""
    return f"https://{host}/archives/{channel}/p{ts.replace('.', '')}"
