"""Bot Framework authentication for the Teams endpoint, built from ``[teams]`` (DESIGN.md §4).

botbuilder 4.17.1 validates inbound tokens itself (issuer, audience = app id, signature from the OpenID
metadata's keys, expiry, endorsement of the channel, service URL claim); this module only feeds it the
configuration, and works around what the archived SDK gets wrong:

- its signing keys are fetched with blocking ``requests``, without timeout, on the event loop, whenever
  a token names an unknown key: ``build_authentication`` gives it our own key source instead
  (``adapters.teams.keys``: aiohttp, a timeout, a minimum interval between fetches), which
  ``warm_keys`` fills at start;
- its connector clients retry in a thread, sleeping a whole ``Retry-After``: they make one attempt
  here (``adapters.teams.connector``);
- the outbound token is fetched with MSAL, also blocking, and with fresh credentials (an empty cache)
  for every connector: ``ThreadedCredentialFactory`` keeps the credentials and fetches in a thread;
- with no app id, botbuilder accepts unsigned requests (Bot Framework Emulator): ``check_emulator_mode``
  allows that on a loopback address only, loudly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botframework.connector.auth import (
    AuthenticationConstants,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msrest.authentication import Authentication

from adapters.teams import keys
from adapters.teams.connector import BoundedAuthentication
from adapters.teams.settings import TeamsConfig
from core.errors import ConfigError

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class EmulatorModeRefused(ConfigError):
    """No app id on a non-loopback address: anyone could talk to the bot unauthenticated."""


@dataclass(frozen=True)
class BotSettings:
    """The attributes ``ConfigurationBotFrameworkAuthentication`` reads (``APP_ID``…), from ``[teams]``.

    An override left ``None`` is omitted, so botbuilder keeps its public-cloud default; setting any
    of them switches botbuilder to its parameterised authentication (sovereign clouds, tests).
    """

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None

    @classmethod
    def from_config(cls, teams: TeamsConfig) -> BotSettings:
        password = teams.app_password.get_secret_value() if teams.app_password is not None else ""
        return cls(APP_ID=teams.app_id, APP_PASSWORD=password, APP_TYPE=teams.app_type,
                   APP_TENANTID=teams.tenant_id,
                   TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=teams.openid_metadata_url,
                   TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=teams.token_issuer,
                   TO_CHANNEL_FROM_BOT_LOGIN_URL=teams.login_url,
                   TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=teams.oauth_scope)

    @property
    def metadata_url(self) -> str:
        return (self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
                or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL)

    def without_unset(self) -> Any:
        """An object exposing only the attributes that are set (botbuilder tests ``getattr``)."""
        values = {name: value for name, value in self.__dict__.items() if value is not None}
        return type("BotConfiguration", (), values)()


class ThreadedCredentialFactory(ServiceClientCredentialsFactory):
    """Wraps botbuilder's factory so MSAL never blocks the event loop and its token cache is reused.

    botbuilder builds new credentials (a new MSAL app, an empty token cache) for every connector, i.e.
    every turn and every proactive send, and MSAL fetches tokens with blocking HTTP. Here credentials
    are kept per (app, scope, authority), and the token is fetched in a thread before botbuilder asks
    for it on the loop — by then MSAL answers from its cache.
    """

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self.inner = inner
        self._credentials: dict[tuple[str, str, str, bool], Authentication] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        valid: bool = await self.inner.is_valid_app_id(app_id)
        return valid

    async def is_authentication_disabled(self) -> bool:
        disabled: bool = await self.inner.is_authentication_disabled()
        return disabled

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        credentials = self._credentials.get(key)
        if credentials is None:
            credentials = await self.inner.create_credentials(app_id, oauth_scope, login_endpoint,
                                                              validate_authority)
            self._credentials[key] = credentials
        if isinstance(credentials, MicrosoftAppCredentials) and credentials.microsoft_app_id:
            await asyncio.to_thread(credentials.get_access_token)
        return credentials


def build_authentication(settings: BotSettings,
                         credentials_factory: ServiceClientCredentialsFactory | None = None
                         ) -> ConfigurationBotFrameworkAuthentication:
    """botbuilder's authentication from ``[teams]``; tests inject ``credentials_factory``."""
    configuration = settings.without_unset()
    factory = credentials_factory or ThreadedCredentialFactory(
        ConfigurationServiceClientCredentialFactory(configuration))
    install_signing_keys(settings)
    return BoundedAuthentication(configuration, credentials_factory=factory)


def install_signing_keys(settings: BotSettings) -> None:
    """Our key source (``adapters.teams.keys``) for every metadata URL botbuilder may fetch with these
    settings: the channel's, and the Emulator's, which the public-cloud path uses for a token bearing an
    Emulator or skill issuer (any sender chooses its issuer). With overrides (sovereign clouds, tests)
    botbuilder's Emulator URL is unset and such a token fails before any fetch."""
    for url in (settings.metadata_url, AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL):
        keys.install(url)


async def warm_keys(settings: BotSettings) -> bool:
    """Fetch the channel's signing keys at start, within ``keys.FETCH_TIMEOUT_SECONDS``.

    A failure is logged, not fatal: the first request tries again (and meanwhile gets 503).
    """
    if not settings.APP_ID:
        return False
    return await keys.installed(settings.metadata_url).refresh()


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_emulator_mode(settings: BotSettings, host: str) -> None:
    """With no app id, serve the Emulator on loopback only, and say so loudly."""
    if settings.APP_ID:
        return
    if not is_loopback(host):
        raise EmulatorModeRefused(
            f"[teams] app_id is empty: /api/messages would accept unauthenticated requests, which is only "
            f"allowed on a loopback address (the Bot Framework Emulator), not on {host}. Set [teams] "
            "app_id and app_password (or MICROSOFT_APP_ID / MICROSOFT_APP_PASSWORD).")
    log.warning("teams: NO APP ID — /api/messages accepts UNAUTHENTICATED requests (Bot Framework "
                "Emulator mode, loopback %s only). Never expose this.", host)
