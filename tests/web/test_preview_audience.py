"""The campaign preview counts its audience in the database: the members the rounds job would prompt
(``lifecycle.reachable_members``: not opted out, each once), and their time zones."""

from __future__ import annotations

from core.campaigns.lifecycle import reachable_members
from core.groups.models import Group
from tests.campaign_support import ANA, BOB, CARL, DEE, demo_group, ok, set_member
from tests.web.conftest import sign_in
from tests.web.test_creation import FORM


async def test_the_preview_reaches_whom_the_rounds_would(chat, web_client, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, members=(BOB, CARL, DEE))
    await set_member(db, DEE, campaign_opt_out=True)  # Tokyo: nobody the rounds reach lives there
    await ok(chat(ANA), "group create Platform")
    await ok(chat(BOB), "group join platform")  # Bob in both groups: counted once
    csrf = await sign_in(chat, web_client, ANA)
    async with db.uow() as uow:
        groups = [group.id for group in (await uow.session.exec(Group.__table__.select())).all()]
        expected = await reachable_members(uow, groups)
    assert len(expected) == 3, [member.email for member in expected]
    shown = await (await web_client.post("/app/campaigns/new", data={
        **FORM, "groups": "data science, platform", "csrf": csrf, "do": "preview"})).text()
    assert "The groups reach 3 members today." in shown
    assert "America/New_York" in shown and "Europe/Paris" in shown and "Asia/Tokyo" not in shown
