"""The groups, experts, adoption and audit pages: what the chat shows the member, no more."""

from __future__ import annotations

from sqlmodel import select

from core.commands.requests import Actor
from core.groups.models import Group, GroupChannel
from core.stats.figures import Scope
from core.web.adoption import Recent, adoption
from core.web.sessions import Visitor
from tests.campaign_support import ANA, BOB, CARL, demo_group, ok
from tests.conftest import give_role
from tests.web.conftest import sign_in


async def test_groups_members_channels_and_announcements(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await ok(chat(CARL), "group create Secret Club")
    async with db.uow() as uow:  # what `group link` in a Slack channel makes
        uow.session.add(GroupChannel(group_id=1, platform="slack", tenant="T1", channel_id="C0DATA"))
        await uow.commit()
    csrf = await sign_in(chat, web_client, ANA)
    listing = await (await web_client.get("/app/groups")).text()
    assert "Data Science" in listing
    page = await web_client.get("/app/groups/data-science")
    html = await page.text()
    assert page.status == 200 and "Bob" in html and "owner" in html and "C0DATA" in html
    said = await (await web_client.post("/app/groups/data-science/announce",
                                        data={"csrf": csrf, "text": "Demo <b>Friday</b>"})).text()
    assert "Done:" in said and "Demo &lt;b&gt;Friday&lt;/b&gt;" in said, said[said.find("<main"):][:1500]
    web_client.session.cookie_jar.clear()
    bob = await sign_in(chat, web_client, BOB)
    refused = await (await web_client.post("/app/groups/data-science/announce",
                                           data={"csrf": bob, "text": "hi"})).text()
    assert "Not done:" in refused


async def test_a_private_group_is_not_found_by_outsiders(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await ok(chat(CARL), "group create Hidden -- private")
    hidden = (await ok(chat(CARL), "group list")).text
    assert "Hidden" in hidden
    async with db.uow() as uow:
        group = (await uow.session.exec(select(Group).where(Group.slug == "hidden"))).one()
        group.visibility = "private"
        uow.session.add(group)
        await uow.commit()
    await sign_in(chat, web_client, BOB)
    assert "Hidden" not in await (await web_client.get("/app/groups")).text()
    assert (await web_client.get("/app/groups/hidden")).status == 404


async def test_experts_search_questions_and_referents(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await ok(chat(BOB), "expert add kubernetes:3")
    await ok(chat(ANA), "ask How do we roll out kubernetes clusters safely?")
    await sign_in(chat, web_client, ANA)
    page = await (await web_client.get("/app/experts", params={"q": "k8s"})).text()
    assert "Bob" in page and "kubernetes" in page
    assert "How do we roll out kubernetes clusters safely?" in page
    assert "Referents per skill" in page


async def test_adoption_and_audit(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    await sign_in(chat, web_client, ANA)
    adoption = await web_client.get("/app/adoption")
    assert adoption.status == 200 and "Adoption" in await adoption.text()
    assert (await web_client.get("/app/admin/audit")).status == 403
    web_client.session.cookie_jar.clear()
    await ok(chat(CARL), "help")
    await give_role(db, CARL, "admin")
    await sign_in(chat, web_client, CARL)
    audit = await web_client.get("/app/admin/audit")
    assert audit.status == 200


async def test_adoption_figures_are_reused_for_a_minute_per_member_and_roles(services) -> None:  # type: ignore[no-untyped-def]
    recent = Recent()
    visitor = Visitor(1, 1, "Ana", "en", "UTC", frozenset({"animator"}),
                      Actor(platform="console", tenant="local", user_id="ana@example.com"), "c")
    first = await adoption(services, visitor, recent)
    ((key, (_, figures)),) = recent.kept.items()
    assert key == (Scope(), 1, frozenset({"animator"}))
    assert recent.get(key) is figures and (await adoption(services, visitor, recent)).text == first.text
    assert recent.get((Scope(), 1, frozenset())) is None, "other roles, other figures"
    recent.kept[key] = (0.0, figures)
    assert recent.get(key) is None, "a minute later it is gathered again"
