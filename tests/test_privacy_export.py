"""``privacy export``: the file holds every row of every table that mentions the member — compared with
a scan of every column of every table (``tests/privacy_support.py``), on SQLite and PostgreSQL — and
nothing it must not (an anonymity salt, the bytes of a kept file)."""

from __future__ import annotations

import json
from typing import Any

from core.privacy.holdings import SECTIONS
from core.runtime.activity_log import activity_log
from tests.campaign_support import ANA, BOB
from tests.privacy_support import MARKS, NAME, TEAMS_USER, exported_keys, scan, unexplained_columns, world


def test_every_column_that_could_name_a_member_is_known_to_the_scan() -> None:
    assert unexplained_columns() == [], "teach core/privacy/holdings.py and tests/privacy_support.py"


async def exported(chat: Any) -> dict[str, Any]:
    reply = await chat(ANA).say("privacy export")
    assert not reply.error, reply.text
    assert reply.attachment is not None and reply.attachment.media_type == "application/json"
    assert reply.attachment.name.startswith("parvis-export-") and reply.attachment.name.endswith(".json")
    document: dict[str, Any] = json.loads(reply.attachment.data)
    return document


async def test_the_export_holds_every_row_that_mentions_the_member(chat, db, clock, services,  # type: ignore[no-untyped-def]
                                                                   messenger) -> None:
    ana = await world(chat, db, clock, services, messenger)
    mentions = await scan(db, ana, MARKS)
    document = await exported(chat)
    held = exported_keys(document)
    missing = {table: keys - held.get(table, set()) for table, keys in mentions.items()
               if keys - held.get(table, set())}
    assert missing == {}
    # the world reaches every table a member can be in: an empty section would be a gap in the world
    assert set(mentions) == set(SECTIONS)


async def test_the_export_is_readable_and_withholds_what_is_not_the_member_s(chat, db, clock,  # type: ignore[no-untyped-def]
                                                                             services, messenger) -> None:
    await world(chat, db, clock, services, messenger)
    document = await exported(chat)
    sections = document["sections"]
    assert document["parvis_export"] == 1 and document["about"]
    (profile,) = sections["member"]["rows"]
    assert profile["email"] == ANA and profile["display_name"] == NAME and "erased_key" not in profile
    assert all(section["about"] for section in sections.values())
    assert {row["user_id"] for row in sections["identity"]["rows"]} == {ANA, TEAMS_USER}
    assert all("anonymity_salt" not in row for row in sections["campaign"]["rows"])
    assert all("content" not in row for row in sections["download"]["rows"])
    (answer,) = [row for row in sections["response"]["rows"] if row["text"]]
    assert answer["text"] == "I learnt to read contour lines" and answer["prompt"] == "What did you learn?"
    assert {row["skill"] for row in sections["expert_skill"]["rows"]} == {"kubernetes", "python"}
    assert [row["group"] for row in sections["group_member"]["rows"]] == ["data-science"]
    assert "Nothing much" not in json.dumps(document), "another member's answer is not hers"


async def test_an_export_is_audited_with_its_size_and_speaks_the_member_s_language(chat, db) -> None:  # type: ignore[no-untyped-def]
    ana = chat(ANA, "fr")
    await ana.say("group create Cartes")
    reply = await ana.say("privacy export")
    assert "Voici tout ce que Parvis détient sur vous" in reply.text
    document = json.loads(reply.attachment.data)
    assert document["sections"]["groups"]["about"] == "Les groupes que vous avez créés."
    await activity_log(db).flush()
    again = json.loads((await ana.say("privacy export")).attachment.data)
    (entry,) = again["sections"]["audit_entry"]["rows"]
    assert entry["action"] == "privacy.export" and entry["detail"]["rows"] > 0
    assert entry["target"] == f"member:{entry['actor_id']}"


async def test_someone_else_s_export_holds_nothing_of_the_member(chat, db, clock, services,  # type: ignore[no-untyped-def]
                                                                 messenger) -> None:
    await world(chat, db, clock, services, messenger)
    reply = await chat(BOB).say("privacy export")
    text = reply.attachment.data.decode()
    assert all(mark not in text for mark in MARKS)
