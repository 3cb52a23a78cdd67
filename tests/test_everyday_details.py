"""The small things a new user notices at once (issue 19, "smaller things"): typographic quotes, away
dates, ``expert back``, ``help``, ``campaign show``… each from the console chat or the function at stake."""

from __future__ import annotations

from core.runtime.db import Database
from core.text import normalise_quotes
from tests.test_skills import skills_of


def test_typographic_apostrophes_and_quotes_read_as_typed_ones() -> None:
    assert normalise_quotes("conduite d’équipe") == "conduite d'équipe"
    assert normalise_quotes("l‘équipe “data” «science»") == "l'équipe \"data\" \"science\""


async def test_one_skill_whatever_the_apostrophe(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    await ana.say("expert add conduite d'équipe")
    await ana.say("expert add conduite d’équipe")
    assert list(await skills_of(db, 1)) == ["conduite d'équipe"]
    removed = await ana.say("expert remove conduite d’équipe")
    assert not removed.error and await skills_of(db, 1) == {}


async def test_a_quote_inside_a_skill_is_kept_whole(chat, db: Database) -> None:  # type: ignore[no-untyped-def]
    ana = chat("ana@example.com")
    await ana.say('expert add the "pragmatic" programmer, “clean code”, «craft»')
    assert set(await skills_of(db, 1)) == {'the "pragmatic" programmer', "clean code", "craft"}
    assert not (await ana.say('expert remove the “pragmatic” programmer')).error
