"""The tenants the Teams bot serves (``[teams] allowed_tenants``), and the check at ``/api/messages``.

A multi-tenant bot registration can be reached by any organisation's users with tokens the Bot
Framework really signed, and ``TeamsInfo.get_member`` reports the e-mail *their* administrators set.
So, after the token is validated, an activity is served only when every tenant it names — Teams puts
the sender's tenant in ``channelData.tenant.id`` and ``conversation.tenantId`` — is allowed, and it
names at least one; anything else is a 403 before any turn runs. The same set is declared to the core
(``core.directory.tenancy``), which refuses such an account again where it would become a member.

Defaults: ``[tenant_id]`` for a SingleTenant or UserAssignedMSI registration; a MultiTenant one must
list its tenants. With no app id (the Bot Framework Emulator, loopback only and unauthenticated
anyway) and no list, nothing is restricted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from botbuilder.schema import Activity

from adapters.teams.inbound import PLATFORM
from core.errors import ConfigError

__all__ = ["PLATFORM", "admits", "allowed_tenants", "tenants_named"]


def allowed_tenants(app_id: str, app_type: str, tenant_id: str,
                    listed: Iterable[str] | None) -> frozenset[str] | None:
    """The tenants served, or ``None`` for no restriction (Emulator mode without a list)."""
    if listed is not None:
        tenants = list(listed)
        if tenants and all(tenant.strip() for tenant in tenants):
            return frozenset(tenants)
    elif not app_id:
        return None
    elif app_type != "MultiTenant":
        return frozenset({tenant_id}) if tenant_id else frozenset()
    raise ConfigError('[teams] allowed_tenants: expected a non-empty list of the Microsoft Entra tenant ids '
                      'whose users the bot serves: with app_type = "MultiTenant" any organisation\'s users '
                      "can reach it, and a user of another tenant could report a member's e-mail address")


def tenants_named(activity: Activity) -> set[str]:
    """Every tenant id the activity carries (botbuilder keeps ``conversation.tenantId`` aside)."""
    found: set[str] = set()
    data = activity.channel_data if isinstance(activity.channel_data, Mapping) else {}
    tenant = data.get("tenant")
    if isinstance(tenant, Mapping):
        found.add(str(tenant.get("id") or ""))
    conversation = activity.conversation
    if conversation is not None:
        found.add(str(conversation.tenant_id or ""))
        found.add(str((conversation.additional_properties or {}).get("tenantId") or ""))
    return found - {""}


def admits(allowed: frozenset[str] | None, activity: Activity) -> bool:
    """Whether the activity comes from a tenant the bot serves."""
    if allowed is None:
        return True
    named = tenants_named(activity)
    return bool(named) and named <= allowed
