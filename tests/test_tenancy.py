"""The core's own tenant rule (issue 12, finding 2), apart from any adapter's door: an account of a
tenant or workspace its platform does not allow never becomes a member — not the member whose e-mail it
reports (the cross-tenant admin takeover), not a new one either. Even if an HTTP check were bypassed."""

from __future__ import annotations

import pytest

from core.commands import Actor, Invocation
from core.commands.router import CommandRouter
from core.directory import identities
from core.directory.members import resolve, resolve_actor
from core.errors import Forbidden
from core.i18n import t
from core.services import Services
from tests.conftest import give_role
from tests.tables import table_counts

ADMIN = "ana@example.com"
HOME, OTHER = "tenant-1", "tenant-evil"


def teams(tenant: str, user_id: str, email: str | None = ADMIN) -> Actor:
    return Actor(platform="teams", tenant=tenant, user_id=user_id, email=email, display_name=user_id)


@pytest.fixture
async def admin(services: Services) -> int:
    """Ana, admin, known on Teams in the allowed tenant; Teams allows that tenant only."""
    services.tenancy.allow("teams", [HOME])
    member, _ = await resolve_actor(services, teams(HOME, "aad-ana"))
    await give_role(services.db, ADMIN, "admin")
    assert member.id is not None
    return member.id


async def test_an_account_of_another_tenant_carrying_the_admins_email_is_refused(services: Services,
                                                                                admin: int) -> None:
    before = await table_counts(services.db)
    mallory = teams(OTHER, "aad-mallory")
    with pytest.raises(Forbidden):
        await resolve(services, mallory)
    with pytest.raises(Forbidden):
        await identities.remember_conversation(services, mallory, {"service_url": "https://evil"})
    assert await table_counts(services.db) == before


async def test_the_router_answers_a_refusal_and_runs_nothing(services: Services, admin: int,
                                                             router: CommandRouter) -> None:
    before = await table_counts(services.db)
    reply = await router.handle(Invocation(teams(OTHER, "aad-mallory"), "role grant admin eve@evil.example"))
    assert reply.error and reply.text == t("en", "errors.tenant_not_allowed")
    assert await table_counts(services.db) == before


async def test_an_allowed_tenant_still_joins_by_email(services: Services, admin: int) -> None:
    found = await resolve(services, teams(HOME, "aad-ana-laptop"))
    assert found.member_id == admin and "admin" in found.roles


async def test_a_platform_that_declares_no_tenants_is_not_restricted(services: Services, admin: int) -> None:
    slack = Actor(platform="slack", tenant="T1", user_id="U_ANA", email=ADMIN)
    assert (await resolve(services, slack)).member_id == admin


async def test_a_platform_whose_tenants_are_not_known_yet_allows_none(services: Services) -> None:
    services.tenancy.allow("slack", [])
    with pytest.raises(Forbidden):
        await resolve(services, Actor(platform="slack", tenant="T1", user_id="U1", email=ADMIN))
    services.tenancy.allow("slack", ["T1"])
    assert await resolve(services, Actor(platform="slack", tenant="T1", user_id="U1", email=ADMIN))
