"""Connector clients that make one attempt and never sleep: the delivery dispatcher owns retries.

botbuilder's ``ConnectorClient`` sends through msrest's ``requests`` sender, in a thread, with
urllib3's retry policy: a PUT (a card update) or a GET answered 5xx is tried three more times, each
after sleeping the whole ``Retry-After`` (an hour, if the connector says so) in a thread nobody can
stop, and every call may wait 100 s for an answer. An outbox row is claimed for a few minutes only
(``core.delivery.dispatcher``): a send that sleeps past its claim is a message sent twice. So every
connector client here makes one attempt (a failed *connection* is tried once more: nothing was sent),
waits at most ``TIMEOUT_SECONDS``, and turns a refusal into an error at once, for the dispatcher to
retry on its own schedule — which follows ``Retry-After`` without holding a claim.
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import ConnectorFactory
from urllib3.util.retry import Retry

#: the longest one connector call may take (msrest's default is 100 s)
TIMEOUT_SECONDS = 30


#: a connection that failed is retried once; a request that reached the connector never is
ONE_ATTEMPT: dict[str, Any] = {"total": 1, "connect": 1, "read": 0, "redirect": 0, "status": 0, "other": 0,
                               "status_forcelist": frozenset(), "respect_retry_after_header": False,
                               "raise_on_status": False}


def bounded(client: Any) -> Any:
    """``client`` (a ``ConnectorClient``) with one attempt per call and a timeout.

    The ``Retry`` is changed in place: the client's ``requests`` session, made with the client, holds
    that very object (the timeout is read at every call)."""
    policy: Retry = client.config.retry_policy.policy
    for name, value in ONE_ATTEMPT.items():
        setattr(policy, name, value)
    client.config.connection.timeout = TIMEOUT_SECONDS
    return client


class BoundedConnectors(ConnectorFactory):
    """botbuilder's connector factory, whose clients are ``bounded``."""

    def __init__(self, inner: ConnectorFactory) -> None:
        self.inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        return bounded(await self.inner.create(service_url, audience))


class BoundedAuthentication(ConfigurationBotFrameworkAuthentication):
    """botbuilder's authentication from configuration, handing out ``BoundedConnectors``."""

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return BoundedConnectors(super().create_connector_factory(claims_identity))
