"""The signing-key cache botbuilder validates with (``adapters/teams/keys.py``): fetched off the event loop
with a timeout, fetched again for an unknown key id at most once per interval, last good keys kept."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest
from jwt.algorithms import RSAAlgorithm

from adapters.teams import auth, keys
from adapters.teams.keys import SigningKeys, SigningKeysUnavailable, parse_jwks
from tests.fakes.bot_connector import MAIN, NARROW, OTHER, BotConnector
from tests.fakes.stalled_endpoint import StalledEndpoint
from tests.teams.conftest import APP_ID, TeamsClient, payload


class Clock:
    """Monotonic seconds the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def publisher() -> Iterator[BotConnector]:
    """A key publisher of these tests' own: they rotate its keys and break it."""
    with BotConnector() as fake:
        yield fake


@pytest.fixture
def fake(publisher: BotConnector) -> Iterator[BotConnector]:
    published = dict(publisher.published)
    yield publisher
    publisher.published, publisher.key_status = published, None


@pytest.fixture
def ticks() -> Clock:
    return Clock()


async def loaded(fake: BotConnector, ticks: Clock) -> SigningKeys:
    signing_keys = SigningKeys(fake.metadata_url, clock=ticks)
    assert await signing_keys.refresh()
    assert set(signing_keys.keys) == {MAIN, NARROW}
    return signing_keys


async def test_keys_are_read_as_botbuilder_reads_them(fake: BotConnector, ticks: Clock) -> None:
    signing_keys = await loaded(fake, ticks)
    main = await signing_keys.get(MAIN)
    assert main.endorsements == ("msteams", "emulator")
    assert main.public_key.public_numbers() == fake.keys[MAIN].public_key().public_numbers()


async def test_an_unknown_key_id_triggers_one_refresh(fake: BotConnector, ticks: Clock) -> None:
    signing_keys = await loaded(fake, ticks)
    fetches = fake.metadata_fetches
    fake.published[OTHER] = ["msteams"]  # Microsoft rotated its keys
    ticks.now += keys.REFRESH_INTERVAL_SECONDS
    assert (await signing_keys.get(OTHER)).endorsements == ("msteams",)
    assert fake.metadata_fetches == fetches + 1
    await signing_keys.get(OTHER)
    await signing_keys.get(MAIN)
    assert fake.metadata_fetches == fetches + 1


async def test_unknown_key_ids_within_the_interval_do_not_hammer_the_endpoint(
        fake: BotConnector, ticks: Clock) -> None:
    signing_keys = await loaded(fake, ticks)
    ticks.now += keys.REFRESH_INTERVAL_SECONDS
    fetches = fake.metadata_fetches
    sprayed = [signing_keys.get(f"made-up-{n}") for n in range(50)]
    results = await asyncio.gather(*sprayed, return_exceptions=True)
    assert all(isinstance(result, PermissionError) for result in results)
    assert fake.metadata_fetches == fetches + 1  # the first one fetched; the others waited for it
    ticks.now += keys.REFRESH_INTERVAL_SECONDS - 1
    with pytest.raises(PermissionError):
        await signing_keys.get("made-up-again")
    assert fake.metadata_fetches == fetches + 1
    ticks.now += 1
    with pytest.raises(PermissionError):
        await signing_keys.get("made-up-later")
    assert fake.metadata_fetches == fetches + 2


async def test_a_failing_endpoint_keeps_the_last_good_keys(fake: BotConnector, ticks: Clock,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    signing_keys = await loaded(fake, ticks)
    fake.key_status = 503
    ticks.now += keys.MAX_AGE_SECONDS  # old enough to be fetched again, which fails
    with caplog.at_level(logging.WARNING, logger="adapters.teams.keys"):
        with pytest.raises(PermissionError):
            await signing_keys.get(OTHER)
        assert not await signing_keys.refresh()
    assert "keeping the 2 key(s) fetched before" in caplog.text
    assert set(signing_keys.keys) == {MAIN, NARROW}
    assert (await signing_keys.get(MAIN)).endorsements == ("msteams", "emulator")


async def test_keys_too_old_are_fetched_again_in_the_background(fake: BotConnector, ticks: Clock) -> None:
    signing_keys = await loaded(fake, ticks)
    del fake.published[NARROW]  # Microsoft withdrew a key
    ticks.now += keys.MAX_AGE_SECONDS
    fetches = fake.metadata_fetches
    await signing_keys.get(NARROW)  # served at once from the old keys…
    for _ in range(100):  # …while the fetch runs in the background
        if set(signing_keys.keys) == {MAIN}:
            break
        await asyncio.sleep(0.02)
    assert set(signing_keys.keys) == {MAIN} and fake.metadata_fetches == fetches + 1
    with pytest.raises(PermissionError):
        await signing_keys.get(NARROW)


async def test_a_stalled_endpoint_is_given_up_on_and_known_keys_keep_serving(
        fake: BotConnector, ticks: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "FETCH_TIMEOUT_SECONDS", 0.3)
    signing_keys = await loaded(fake, ticks)
    with StalledEndpoint() as endpoint:
        endpoint.listen()
        signing_keys.metadata_url = endpoint.url("/openidconfiguration")
        ticks.now += keys.REFRESH_INTERVAL_SECONDS
        loop = asyncio.get_running_loop()
        started = loop.time()
        unknown = asyncio.ensure_future(signing_keys.get("made-up"))
        assert (await signing_keys.get(MAIN)).endorsements  # a known key does not wait for the fetch
        assert loop.time() - started < 0.2
        with pytest.raises(PermissionError):
            await unknown
        assert 0.3 <= loop.time() - started < 2
        assert endpoint.connections == 1
    assert set(signing_keys.keys) == {MAIN, NARROW}


async def test_without_any_key_tokens_cannot_be_checked(fake: BotConnector, ticks: Clock) -> None:
    fake.key_status = 500
    signing_keys = SigningKeys(fake.metadata_url, clock=ticks)
    assert not await signing_keys.refresh()
    fetches = fake.metadata_fetches
    with pytest.raises(SigningKeysUnavailable):
        await signing_keys.get(MAIN)
    assert fake.metadata_fetches == fetches  # tried at start, not again before the retry interval
    fake.key_status = None
    ticks.now += keys.RETRY_INTERVAL_SECONDS
    assert (await signing_keys.get(MAIN)).endorsements
    assert fake.metadata_fetches == fetches + 1


async def test_a_token_naming_no_key_is_refused_without_a_fetch(fake: BotConnector, ticks: Clock) -> None:
    signing_keys = await loaded(fake, ticks)
    ticks.now += keys.REFRESH_INTERVAL_SECONDS
    fetches = fake.metadata_fetches
    for key_id in (None, ""):
        with pytest.raises(PermissionError):
            await signing_keys.get(key_id)
    assert fake.metadata_fetches == fetches


def test_unusable_entries_of_a_jwks_are_skipped(fake: BotConnector) -> None:
    good = json.loads(RSAAlgorithm.to_jwk(fake.keys[MAIN].public_key()))
    document = {"keys": [
        {**good, "kid": "good", "endorsements": ["msteams"]},
        {**good, "endorsements": ["msteams"]},                      # no kid
        {**good, "kid": "bad-endorsements", "endorsements": "msteams"},
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "RSA", "kid": "broken", "n": "?", "e": "AQAB"},
        "not a key",
    ]}
    assert set(parse_jwks(document)) == {"good"}
    assert parse_jwks({"keys": [{**good, "kid": "plain"}]})["plain"].endorsements == ()
    for malformed in ({}, {"keys": "none"}, []):
        with pytest.raises(ValueError):
            parse_jwks(malformed)


async def test_oversized_or_malformed_documents_are_refused(fake: BotConnector, ticks: Clock,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "MAX_DOCUMENT_BYTES", 100)
    assert not await SigningKeys(fake.metadata_url, clock=ticks).refresh()
    monkeypatch.undo()
    assert not await SigningKeys(f"{fake.url}/v1/.well-known/keys", clock=ticks).refresh()  # no jwks_uri


async def test_start_is_bounded_when_the_endpoint_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "FETCH_TIMEOUT_SECONDS", 0.3)
    with StalledEndpoint() as endpoint:
        endpoint.listen()
        settings = auth.BotSettings(APP_ID=APP_ID, APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="",
                                    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=endpoint.url("/metadata"))
        auth.install_signing_keys(settings)
        assert not await asyncio.wait_for(auth.warm_keys(settings), timeout=2)


async def test_a_rotated_key_is_accepted_by_the_endpoint_after_one_refresh(
        teams: TeamsClient, monkeypatch: pytest.MonkeyPatch) -> None:
    connector = teams.connector
    body = payload("message_personal", connector.url)
    fetches = connector.metadata_fetches
    status, _ = await teams.post(body, key=OTHER)
    assert status == 401 and connector.metadata_fetches == fetches  # warmed at start: not due yet
    monkeypatch.setattr(keys, "REFRESH_INTERVAL_SECONDS", 0.0)
    connector.published[OTHER] = ["msteams"]
    try:
        status, _ = await teams.post(body, key=OTHER)
        assert status == 200 and connector.metadata_fetches == fetches + 1
        status, _ = await teams.post(body, key=OTHER)
        assert status == 200 and connector.metadata_fetches == fetches + 1
    finally:
        del connector.published[OTHER]


async def test_every_metadata_url_botbuilder_may_fetch_is_served_by_our_cache(teams: TeamsClient) -> None:
    from botframework.connector.auth import AuthenticationConstants
    from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

    emulator = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    for url in (teams.connector.metadata_url, emulator):
        assert isinstance(JwtTokenExtractor.get_open_id_metadata(url), SigningKeys)
