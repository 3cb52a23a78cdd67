"""``stats`` in the chat: who sees which scope, the summary and its chart, and bad input."""

from __future__ import annotations

import io

import pytest
from PIL import Image as Picture

from core.messages import Image
from tests.campaign_support import ANA, BOB, CARL, DEE, demo_group, ok
from tests.conftest import give_role


def assert_chart(image: Image | None) -> None:
    """A PNG of a sensible size whose plot areas are not blank."""
    assert image is not None and image.png.startswith(b"\x89PNG\r\n\x1a\n") and image.alt
    picture = Picture.open(io.BytesIO(image.png)).convert("RGB")
    width, height = picture.size
    assert 400 <= width <= 1024 and 300 <= height <= 1024
    for top, bottom in ((0.1, 0.45), (0.6, 0.95)):  # the weekly chart, then the campaigns'
        band = picture.crop((int(width * 0.1), int(height * top), int(width * 0.95), int(height * bottom)))
        colours = band.getcolors(maxcolors=1 << 20) or []
        inked = sum(count for count, colour in colours if colour != (255, 255, 255))
        assert inked > 0.005 * band.size[0] * band.size[1], "a plot area is blank"


async def test_a_member_sees_the_groups_they_belong_to_with_a_chart(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB, CARL, DEE))
    reply = await ok(chat(BOB), "stats 4")
    assert "Data Science" in (reply.title or "") and "4 weeks" in reply.text
    assert "**Active members**" in reply.text
    assert_chart(reply.image)


async def test_animators_and_admins_see_the_organisation(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB, CARL, DEE))
    reply = await ok(chat(ANA), "stats")
    assert "the organisation" in (reply.title or "")
    await give_role(db, BOB, "admin")
    assert "the organisation" in ((await ok(chat(BOB), "stats 2 org")).title or "")
    mine = await ok(chat(ANA), "stats groups")
    assert "your groups" in (mine.title or "")


async def test_a_member_asking_for_the_organisation_is_told_who_may(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    reply = await chat(BOB).say("stats org")
    assert reply.error and "animators and admins" in reply.text and reply.image is None


async def test_someone_in_no_group_is_told_how_to_find_one(chat) -> None:  # type: ignore[no-untyped-def]
    reply = await ok(chat("zoe@example.com"), "stats")
    assert "group list" in reply.text and reply.image is None


@pytest.mark.parametrize("text, words", [
    ("stats 0", "“0” is not a number of weeks"),
    ("stats -3", "“-3” is not a number of weeks"),
    ("stats 10000", "from 1 to 104"),
    ("stats lots", "not “lots”"),
    ("stats 12 everyone", "not “everyone”"),
])
async def test_bad_input_gets_a_clear_message(chat, db, text: str, words: str) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db)
    reply = await chat(ANA).say(text)
    assert reply.error and words in reply.text and reply.image is None


async def test_french(chat, db) -> None:  # type: ignore[no-untyped-def]
    await demo_group(chat, db, (BOB, CARL, DEE))
    await ok(chat(ANA), "lang fr")
    reply = await ok(chat(ANA), "stats 3")
    assert "Membres actifs" in reply.text and "l’organisation" in (reply.title or "")
    refused = await chat(BOB, "fr").say("lang fr")
    assert not refused.error
    assert "réservés aux animateurs" in (await chat(BOB).say("stats org")).text


