"""The privacy rights on Teams: the export by a download link Parvis serves once (a page whose button
fetches the file: a link scanner opening the page spends nothing), within 15 minutes; without
``[web] public_url`` the card says why; the erasure confirmed from the card."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from core.ports import FakeClock
from core.runtime.activity_log import activity_log
from tests.fakes.adaptive_card import activity_problems
from tests.privacy_support import scan
from tests.teams.conftest import TeamsClient


def card_of(calls: list[Any]) -> dict[str, Any]:
    (call,) = calls
    assert not activity_problems(call.body)
    content: dict[str, Any] = call.body["attachments"][0]["content"]
    return content


def open_urls(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [action for element in card["body"] if element.get("type") == "ActionSet"
            for action in element["actions"] if action["type"] == "Action.OpenUrl"]


async def link(teams: TeamsClient) -> str:
    teams.adapter.downloads.public_url = str(teams.client.make_url("")).rstrip("/")
    calls = await teams.say("privacy export")
    (action,) = open_urls(card_of(calls))
    assert action["title"] in ("Download", "Télécharger")
    assert action["url"].startswith(teams.adapter.downloads.public_url + "/files/")
    return str(action["url"]).removeprefix(teams.adapter.downloads.public_url)


async def test_the_export_is_downloaded_once_from_the_link(teams: TeamsClient) -> None:
    path = await link(teams)
    for _ in range(2):  # opening the page (a person, a link scanner) spends nothing
        page = await teams.client.get(path)
        assert page.status == 200 and page.content_type == "text/html"
        assert page.headers["Cache-Control"] == "no-store" and '<form method="post">' in await page.text()
    fetched = await teams.client.post(path)
    assert fetched.status == 200 and fetched.content_type == "application/json"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="parvis-export-2026-03-02.json"'
    document = json.loads(await fetched.read())
    assert [row["user_id"] for row in document["sections"]["identity"]["rows"]] == ["aad-ana"]
    again = await teams.client.post(path)
    assert again.status == 404 and "has been used or has expired" in await again.text()
    assert (await teams.client.get(path)).status == 404
    assert (await teams.client.post("/files/guessed")).status == 404


async def test_the_link_expires_and_speaks_the_member_s_language(teams: TeamsClient,
                                                                 clock: FakeClock) -> None:
    await teams.say("lang fr")
    path = await link(teams)
    assert path.endswith("?lang=fr")
    assert "Télécharger le fichier" in await (await teams.client.get(path)).text()
    clock.advance(timedelta(minutes=16))
    expired = await teams.client.post(path)
    assert expired.status == 404 and "a déjà servi ou a expiré" in await expired.text()


async def test_without_a_public_url_the_card_says_why_there_is_no_file(teams: TeamsClient) -> None:
    card = card_of(await teams.say("privacy export"))
    assert not open_urls(card) and "public_url" in json.dumps(card)


async def test_the_erasure_is_confirmed_from_the_card(teams: TeamsClient, db) -> None:  # type: ignore[no-untyped-def]
    card = card_of(await teams.say("privacy delete"))
    (submit,) = [action for action in card["actions"] if action["type"] == "Action.Submit"]
    assert submit["title"] == "Erase my data"
    status, calls = await teams.submit(submit["data"])
    assert status == 200 and "Your personal data is erased" in json.dumps([call.body for call in calls])
    await activity_log(db).flush()
    assert await scan(db, None, ("29:1ana-bf-id", "ana@example.com", "a:1personal-ana", "aad-ana")) == {}
