"""The privacy rights on Slack: the export uploaded as a JSON file (files upload v2) into the member's
direct messages, never the channel; the erasure confirmed by a button; afterwards, no column of any
table holds the member's Slack id, e-mail or name."""

from __future__ import annotations

import json

from core.i18n import t
from core.runtime.activity_log import activity_log
from tests.privacy_support import scan
from tests.slack.conftest import ANA, Slack
from tests.slack.test_charts import ORDER, uploaded


async def test_the_export_is_a_json_file_in_the_member_s_direct_messages(slack: Slack) -> None:
    await slack.command("group create Data Science")
    status, ack = await slack.command("privacy export")
    assert status == 200 and ack["response_type"] == "ephemeral"
    assert "Here is everything Parvis holds about you" in str(ack["blocks"])
    assert t("en", "slack.file_follows", name="parvis-export-2026-03-02.json") in str(ack["blocks"])
    assert await uploaded(slack) == ORDER
    announced = slack.api.made("files.getUploadURLExternal")[0].args
    (upload,) = slack.api.files.values()
    assert upload.completed and upload.channel == "D" + ANA[1:]
    assert announced["filename"] == "parvis-export-2026-03-02.json" and "alt_txt" not in announced
    assert upload.title == "Your Parvis data (March 2, 2026)"
    document = json.loads(upload.data or b"")
    assert [row["user_id"] for row in document["sections"]["identity"]["rows"]] == [ANA]
    assert document["sections"]["member"]["rows"][0]["email"] == "ana@example.com"


async def test_a_refused_file_is_told_to_the_member(slack: Slack) -> None:
    slack.api.fail("files.completeUploadExternal", "file_uploads_disabled")
    await slack.command("privacy export")
    (_, told), = await slack.api.wait_responses(1)
    assert "Slack did not take the file (file_uploads_disabled)" in told["text"]


async def test_the_erasure_is_confirmed_by_a_button_and_leaves_no_slack_id(slack: Slack, db) -> None:  # type: ignore[no-untyped-def]
    await slack.command("group create Data Science")
    status, ack = await slack.command("privacy delete")
    assert status == 200 and "Erase your data?" in str(ack["blocks"])
    (button,) = [element for block in ack["blocks"] if block["type"] == "actions"
                 for element in block["elements"]]
    assert button["action_id"].startswith("privacy.delete") and button["style"] == "danger"
    await slack.click(button["action_id"], button["value"])
    (_, answer), = await slack.api.wait_responses(1)
    assert "Your personal data is erased" in json.dumps(answer)
    await activity_log(db).flush()
    assert await scan(db, None, (ANA, "ana@example.com", "Ana Martin")) == {}
