"""The platform identity store the adapters use: accounts, their conversation values, their members."""

from __future__ import annotations

from core.directory import identities
from core.directory.members import person_by_email
from core.services import Services
from tests.conftest import actor

ANA = "ana@example.com"


async def test_remembering_a_new_account_creates_its_member_and_keeps_its_values(services: Services) -> None:
    ana = actor(ANA, "fr", platform="teams")
    assert not await identities.is_known(services, "teams", "local", ANA)
    await identities.remember_conversation(services, ana, {"service_url": "https://one", "user": None})
    assert await identities.is_known(services, "teams", "local", ANA)
    assert await identities.conversation(services, "teams", "local", ANA) == {"service_url": "https://one"}
    person = await person_by_email(services, ANA)
    assert person is not None and person.locale == "fr" and not person.erased


async def test_merging_keeps_earlier_values_and_ignores_unknown_accounts(services: Services) -> None:
    await identities.remember_conversation(services, actor(ANA, platform="teams"), {"service_url": "https://one"})
    assert await identities.merge_conversation(services, "teams", "local", ANA,
                                               {"personal": {"id": "a:1"}, "service_url": None})
    assert await identities.conversation(services, "teams", "local", ANA) == {
        "service_url": "https://one", "personal": {"id": "a:1"}}
    assert not await identities.merge_conversation(services, "teams", "local", "nobody", {"x": 1})
    assert await identities.conversation(services, "teams", "local", "nobody") is None
    assert await identities.recent_conversations(services, "teams", "local") == [
        {"service_url": "https://one", "personal": {"id": "a:1"}}]
    assert await identities.recent_conversations(services, "slack", "local") == []
