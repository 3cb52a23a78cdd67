"""The weekly digest on Slack, end to end: members known through the real Bolt app (their time zone and
language from ``users.info``), the digest job, the real dispatcher and ``SlackMessenger``; the only
fake is the Slack Web API. Each recipient gets the text in their direct messages, then the chart
uploaded there with files upload v2 — once, at 09:00 their time."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, time

from PIL import Image as Picture

from core.delivery.dispatcher import Dispatcher
from core.ports import FakeClock
from core.services import Services
from core.settings import AnalyticsSettings, DigestTime
from core.stats.digest import enqueue_due
from tests.conftest import give_role
from tests.fakes.slack_api import FakeSlackApi, user
from tests.slack.conftest import ANA, LEA, Slack
from tests.slack.dm_support import dms_to, text_of

BOB = "U0BOB"


async def test_animators_and_admins_get_the_digest_and_its_chart_at_nine_their_time(
        slack: Slack, api: FakeSlackApi, services: Services, clock: FakeClock) -> None:
    api.users[BOB] = user(BOB, "bob@example.com", "Bob Stone", tz="America/New_York")
    clock.current = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    for who in (ANA, LEA, BOB):
        status, _ = await slack.command("help", user_id=who)
        assert status == 200
    await give_role(services.db, "ana@example.com", "animator")
    await give_role(services.db, "lea@example.com", "admin")
    await give_role(services.db, "bob@example.com", "admin")
    services.settings = replace(services.settings, analytics=AnalyticsSettings(DigestTime(0, time(9, 0))))

    clock.current = datetime(2026, 12, 7, 8, 5, tzinfo=UTC)  # Monday 09:05 in Paris, 03:05 in New York
    assert await enqueue_due(services) == 2
    await Dispatcher(services).run_once()
    assert await enqueue_due(services) == 0                   # run again: nothing new
    (to_ana,), (to_lea,) = dms_to(slack, ANA), dms_to(slack, LEA)
    assert dms_to(slack, BOB) == []
    assert "Your weekly digest: November 30, 2026 to December 6, 2026" in text_of(to_ana)
    assert "Active members last week" in text_of(to_ana)
    assert "Votre bilan de la semaine : du 30 novembre 2026 au 6 décembre 2026" in text_of(to_lea)
    await api.wait_calls("files.completeUploadExternal", 2)
    uploads = list(api.files.values())
    assert sorted(upload.channel for upload in uploads) == sorted(
        call.result["channel"] for call in (to_ana, to_lea))
    for upload in uploads:
        picture = Picture.open(io.BytesIO(upload.data or b""))
        assert upload.completed and picture.format == "PNG" and picture.size[0] >= 400

    clock.current = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)  # 09:05 in New York
    assert await enqueue_due(services) == 1
    await Dispatcher(services).run_once()
    (to_bob,) = dms_to(slack, BOB)
    assert "Your weekly digest" in text_of(to_bob)
    assert len(dms_to(slack, ANA)) == len(dms_to(slack, LEA)) == 1
