"""The Web API clients of the Slack adapter, and how long they may wait for Slack by themselves.

Two clients: an interactive one (Bolt, profiles, invitations right after a command) that waits out a
short ``429`` itself, and the outbox one, which never retries a rate limit: the delivery dispatcher
owns those retries and never waits past a claim's lease (``core.delivery.dispatcher``). Both retry a
failed connection once, as slack_sdk does by default.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.settings import SlackConfig

#: the longest ``Retry-After`` an interactive call waits out by itself
SHORT_RETRY_SECONDS = 5.0


def secret(value: Any) -> str | None:
    """The text of a ``SecretStr`` setting, or ``None`` when unset."""
    return value.get_secret_value() if value is not None else None


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler sleeps whatever ``Retry-After`` says, an hour if Slack asks: this one
    waits out a short one (at most ``max_wait`` seconds) and lets a longer one raise, so a member's
    request never sleeps for minutes."""

    def __init__(self, max_retry_count: int = 1, max_wait: float = SHORT_RETRY_SECONDS) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                               response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if response is None or not await super()._can_retry_async(state=state, request=request,
                                                                   response=response, error=error):
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return float(values[0]) <= self.max_wait
        except (TypeError, ValueError, IndexError):
            return False


def web_client(config: SlackConfig, *, interactive: bool) -> AsyncWebClient:
    """A client on ``api_base_url``; interactive ones also wait out one short 429, outbox ones never
    do (the dispatcher owns their retries, and never waits past a claim's lease)."""
    handlers: list[Any] = [AsyncConnectionErrorRetryHandler()]
    if interactive:
        handlers.append(ShortRateLimitRetry())
    return AsyncWebClient(token=secret(config.bot_token), base_url=config.api_base_url,
                          retry_handlers=handlers)
