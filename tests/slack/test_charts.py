"""``stats`` on Slack: the summary in the acknowledgement, the chart uploaded with files upload v2 into
the member's direct messages — the calls in Slack's order, the PNG whole — and a refusal told."""

from __future__ import annotations

import io

from PIL import Image as Picture

from core.i18n import t
from tests.slack.conftest import ANA, Slack

ORDER = ["conversations.open", "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


async def uploaded(slack: Slack, count: int = 1) -> list[str]:
    await slack.api.wait_calls("files.completeUploadExternal", count)
    return [call.method for call in slack.api.calls if call.method in ORDER]


async def test_the_chart_is_uploaded_in_order_into_the_member_s_direct_messages(slack: Slack) -> None:
    await slack.command("group create Data Science")
    status, ack = await slack.command("stats 6")
    assert status == 200 and ack["response_type"] == "ephemeral"
    assert "Adoption" in str(ack["blocks"]) and t("en", "slack.chart_follows") in str(ack["blocks"])
    assert await uploaded(slack) == ORDER
    (opened,) = slack.api.made("conversations.open")
    assert opened.args["users"] == ANA
    announced = slack.api.made("files.getUploadURLExternal")[0].args
    (upload,) = slack.api.files.values()
    assert upload.completed and upload.channel == "D" + ANA[1:] and upload.channel != "C0GENERAL"
    assert int(announced["length"]) == upload.length == len(upload.data or b"")
    assert announced["filename"].endswith(".png") and upload.title.startswith("Chart:")
    picture = Picture.open(io.BytesIO(upload.data or b""))
    assert picture.format == "PNG" and picture.size[0] >= 400


async def test_a_refused_upload_is_told_to_the_member(slack: Slack) -> None:
    slack.api.fail("files.completeUploadExternal", "missing_scope")
    await slack.command("group create Data Science")
    await slack.command("stats")
    (_, told), = await slack.api.wait_responses(1)
    assert "missing_scope" in told["text"] and told["response_type"] == "ephemeral"


async def test_a_slow_stats_is_answered_later_and_still_brings_its_chart(slack: Slack, monkeypatch) -> None:
    await slack.command("group create Data Science")
    monkeypatch.setattr("adapters.slack.app.QUICK_SECONDS", 0)
    await slack.command("stats 3")
    (_, answer), = await slack.api.wait_responses(1)
    assert "Adoption" in str(answer["blocks"])
    assert await uploaded(slack) == ORDER


async def test_a_message_sent_with_a_chart_brings_it_after_the_text(slack: Slack) -> None:
    """What the outbox sends (the weekly digest) goes through the messenger: text, then the file in
    the same conversation."""
    from core.messages import Image, Reply
    from core.ports import MemberAddress

    png = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    sent = await slack.adapter.messenger.send_direct(MemberAddress("slack", "T0PARVIS", ANA),
                                                     Reply(text="Weekly figures", image=Image(png, "Chart")))
    (upload,) = slack.api.files.values()
    assert upload.channel == sent.conversation and upload.data == png
    methods = [call.method for call in slack.api.calls]
    assert methods.index("chat.postMessage") < methods.index("files.getUploadURLExternal")
