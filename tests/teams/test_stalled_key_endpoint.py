"""Issue 12, finding 4, played as the adversary: a signing-key endpoint that accepts connections and never
answers must not freeze the server.

botbuilder 4.17.1 fetches the OpenID metadata and the JWKS with a blocking ``requests.get`` without
timeout on the event loop, whenever a token names a key it does not hold. Here the whole app is built
as ``parvis serve`` builds it, with Slack and Teams, and Teams' ``openid_metadata_url`` pointing at a
stalled endpoint; one unauthenticated request carrying a token with an unknown key id is sent, and
while it is pending ``/healthz``, a signed Slack command and a console command must keep being answered
promptly. The Teams request itself must end, refused, after a bounded time.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from adapters.teams import keys
from bots.bootstrap import build_app
from bots.config import Config, SchedulerConfig, TeamsConfig
from core.commands.router import CommandRouter
from core.registry import Registry
from core.services import Services
from tests.conftest import Chat
from tests.fakes.bot_connector import ISSUER
from tests.fakes.slack_api import FakeSlackApi, user
from tests.fakes.stalled_endpoint import StalledEndpoint
from tests.slack.conftest import ANA, Slack, slack_config
from tests.teams.conftest import APP_ID, TENANT, payload

#: what "promptly" means for each request of the other traffic while the Teams request is pending
PROMPT_SECONDS = 1.0
#: the key fetch gives up after this in the test (production: ``keys.FETCH_TIMEOUT_SECONDS``)
FETCH_TIMEOUT = 1.5


def forged_token(service_url: str) -> str:
    """A well-formed channel token, signed by a key nobody published, naming a key id nobody knows."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60, "iat": now - 60,
              "exp": now + 3600}
    return "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": "attacker-kid"})


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi(users={ANA: user(ANA, "ana@example.com", "Ana Martin")})
    await fake.start()
    yield fake
    await fake.stop()


async def test_a_stalled_key_endpoint_does_not_stop_other_traffic(
        services: Services, api: FakeSlackApi, monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    monkeypatch.setattr(keys, "FETCH_TIMEOUT_SECONDS", FETCH_TIMEOUT)
    monkeypatch.setattr(keys, "RETRY_INTERVAL_SECONDS", 0.0)
    with StalledEndpoint(hold_seconds=6.0) as endpoint:
        teams = TeamsConfig(app_id=APP_ID, app_password=SecretStr("secret"), allowed_tenants=[TENANT],
                            openid_metadata_url=endpoint.url("/v1/.well-known/openidconfiguration"),
                            token_issuer=ISSUER, login_url=endpoint.url("/login"),
                            oauth_scope=endpoint.url("/.default"))
        config = Config(slack=slack_config(api), teams=teams, scheduler=SchedulerConfig(enabled=False))
        app = build_app(config, services, registry)
        console = Chat(CommandRouter(services, registry), "ana@example.com")
        # The endpoint refuses connections while the app starts (its key warm-up fails at once), then
        # starts accepting them and never answering: the keys are fetched when the request comes.
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            endpoint.listen()
            slack = Slack(client, api, adapter=None)  # type: ignore[arg-type]

            async def healthz() -> bool:
                return (await client.get("/healthz")).status == 200

            async def slack_help() -> bool:
                return (await slack.command("help"))[0] == 200

            async def console_help() -> bool:
                return bool((await console.say("help")).text)

            body = payload("message_personal", "https://smba.trafficmanager.net/emea/")
            headers = {"Content-Type": "application/json",
                       "Authorization": forged_token(body["serviceUrl"])}
            loop = asyncio.get_running_loop()
            started = loop.time()
            pending = asyncio.ensure_future(client.post("/api/messages", data=json.dumps(body),
                                                        headers=headers))
            gaps: list[float] = []  # from one answer (or the start) to the next: long if the loop stalls
            last = loop.time()
            rounds = 0
            while not pending.done() and loop.time() - started < 15:
                for probe in (healthz, slack_help, console_help):
                    assert await probe(), probe.__name__
                    now = loop.time()
                    gaps.append(now - last)
                    last = now
                rounds += 1
                await asyncio.sleep(0.05)
            response = await pending
            elapsed = loop.time() - started

    assert endpoint.connections >= 1, "the keys were never fetched: the test proved nothing"
    assert max(gaps) < PROMPT_SECONDS, f"the event loop stalled: {max(gaps):.2f} s without an answer"
    assert rounds >= 2, f"too little traffic while the Teams request was pending: {gaps}"
    assert response.status == 503  # no key could be fetched: nothing can be checked
    assert elapsed < endpoint.hold_seconds, "the Teams request ended only when the endpoint hung up"
