"""Which tenants (Teams) and workspaces (Slack) this installation serves: the core's own rule.

A chat platform that other organisations can reach — a multi-tenant Teams bot, a Slack app in a shared
channel or installed elsewhere — sends requests that really are signed by the platform but come from
people Parvis must not serve; and the e-mail the platform reports for them is whatever *their*
administrators set. Joining such an account to the member with that e-mail would hand it that member's
roles (issue 12: a user of another tenant reporting the admin's address became the admin).

So each adapter declares the tenants its platform may serve, as plain data (``allow``), from its
configuration (``[teams] allowed_tenants``, ``[slack] allowed_teams``) or what it learns at start (the
workspace ``auth.test`` reports); it refuses other requests at its door (403), and the core applies
the same rule again where an account becomes a member (``core.directory.members.resolve``): an account
of a tenant its platform does not allow is refused, never joined by e-mail and never made a new
member either. Refusing rather than creating a separate member keeps the rule simple — nothing of
another organisation is written — and a stranger with a member of their own could still talk to
Parvis, which the door already says they may not.

A platform that declares nothing is not restricted: the console and ``parvis chat`` serve the
operator's own organisation (tenant ``local``). A platform that declared an empty set (Slack before
``auth.test`` answered) allows no one. Sets only grow while the process runs.
"""

from __future__ import annotations

from collections.abc import Iterable


class Tenancy:
    """Platform → the tenants it serves; held by ``Services.tenancy``, filled by the adapters."""

    def __init__(self) -> None:
        self._allowed: dict[str, frozenset[str]] = {}
        self._hosts: dict[str, frozenset[str]] = {}

    def allow(self, platform: str, tenants: Iterable[str]) -> None:
        """``platform`` serves ``tenants`` (and those allowed before): blank ids are never allowed."""
        found = frozenset(tenant for tenant in tenants if tenant and tenant.strip())
        self._allowed[platform] = self._allowed.get(platform, frozenset()) | found

    def restricts(self, platform: str) -> bool:
        """Whether ``platform`` declared the tenants it serves."""
        return platform in self._allowed

    def allows(self, platform: str, tenant: str) -> bool:
        """Whether an account of ``tenant`` on ``platform`` may be served (and joined by e-mail)."""
        allowed = self._allowed.get(platform)
        return allowed is None or tenant in allowed

    def allowed(self, platform: str) -> frozenset[str] | None:
        """The tenants ``platform`` serves, or ``None`` when it is not restricted."""
        return self._allowed.get(platform)

    def allow_host(self, platform: str, host: str) -> None:
        """``host`` (``acme.slack.com``) is the web address of a workspace ``platform`` serves: a Slack
        message link names its workspace by that address only, never by its id (``core.moderation``)."""
        if host.strip():
            self._hosts[platform] = self._hosts.get(platform, frozenset()) | {host.strip().lower()}

    def serves_host(self, platform: str, host: str) -> bool:
        """Whether a link to ``host`` names a workspace this installation serves: any, when
        ``platform`` is not restricted; else one of the addresses learnt with ``allow_host``."""
        return not self.restricts(platform) or host.lower() in self._hosts.get(platform, frozenset())
