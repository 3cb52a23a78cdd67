"""``stats`` on Teams: the chart is in the card — inline when it fits the 28 KB activity, else by a URL
Parvis serves once and for 15 minutes — and the card says so when it cannot be shown."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from typing import Any

from PIL import Image as Picture

from adapters.teams.pictures import INLINE_LIMIT, Pictures
from core.messages import Image
from core.ports import FakeClock
from tests.fakes.adaptive_card import activity_problems
from tests.teams.conftest import TeamsClient


def images(calls: list[Any]) -> list[dict[str, Any]]:
    found = []
    for call in calls:
        for attachment in (call.body or {}).get("attachments") or []:
            found += [e for e in attachment["content"]["body"] if e.get("type") == "Image"]
    return found


def assert_png(data: bytes) -> None:
    picture = Picture.open(io.BytesIO(data))
    assert picture.format == "PNG" and 400 <= picture.size[0] <= 1024 and picture.size[1] <= 1024


async def test_a_large_chart_is_served_once_at_a_reachable_url(teams: TeamsClient) -> None:
    teams.adapter.pictures.public_url = str(teams.client.make_url("")).rstrip("/")
    teams.adapter.pictures.inline_limit = 0  # as for a chart heavier than the card can carry
    await teams.say("group create Data Science")
    calls = await teams.say("stats 4")
    (image,) = images(calls)
    assert image["url"].startswith(teams.adapter.pictures.public_url + "/charts/") and image["altText"]
    assert all(not activity_problems(call.body) for call in calls)
    path = image["url"].removeprefix(teams.adapter.pictures.public_url)
    first = await teams.client.get(path)
    assert first.status == 200 and first.content_type == "image/png"
    assert first.headers["Cache-Control"] == "no-store"
    assert_png(await first.read())
    assert (await teams.client.get(path)).status == 404, "single use"
    assert (await teams.client.get("/charts/guessed.png")).status == 404


async def test_a_chart_expires_if_nobody_fetches_it(teams: TeamsClient, services, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    pictures = Pictures(services, "https://parvis.example.com")
    pictures.inline_limit = 0
    url = await pictures.url_of(Image(b"\x89PNG-bytes", "chart"))
    assert url is not None and url.startswith("https://parvis.example.com/charts/")
    clock.advance(timedelta(minutes=16))
    path = url.removeprefix("https://parvis.example.com")
    assert (await teams.client.get(path)).status == 404


async def test_a_small_chart_travels_inline(teams: TeamsClient) -> None:
    teams.adapter.pictures.inline_limit = 10 ** 6
    calls = await teams.say("stats")
    assert "You belong to no group" in str(calls[0].body)
    await teams.say("group create Data Science")
    teams.adapter.pictures.inline_limit = INLINE_LIMIT  # the default: a stats chart fits in the card
    calls = await teams.say("stats 2")
    (image,) = images(calls)
    assert image["url"].startswith("data:image/png;base64,")
    assert_png(base64.b64decode(image["url"].split(",", 1)[1]))


async def test_without_a_public_url_the_card_says_why_there_is_no_chart(teams: TeamsClient) -> None:
    teams.adapter.pictures.inline_limit = 0
    await teams.say("group create Data Science")
    calls = await teams.say("stats")
    assert not images(calls) and "public_url" in str(calls[0].body)
