"""The channel's signing keys, fetched with aiohttp under a timeout instead of botbuilder's blocking fetch.

Why: botbuilder 4.17.1 (``_OpenIdMetadata`` in ``botframework/connector/auth/jwt_token_extractor.py``)
fetches the OpenID metadata and its JWKS with ``requests.get``, without a timeout, *on the event loop*,
whenever a token names a key it does not hold. A key endpoint that accepts connections and never
answers then froze the whole process — ``/healthz``, Slack and Teams — for one unauthenticated request
(issue 12, finding 4).

How: botbuilder looks its key source up by metadata URL in ``JwtTokenExtractor.metadataCache`` (a
public class attribute) and only ever awaits ``source.get(key_id)`` and reads the ``public_key`` and
``endorsements`` of the answer. ``install`` puts a ``SigningKeys`` there for a URL when the Teams
adapter is built (never at import), replacing no botbuilder code: botbuilder still checks the
signature, algorithm, issuer, audience, expiry, endorsements and service URL; only the fetching is ours.

The cache:

- the keys are fetched at start (``refresh``), then when a token names a key id not held (Microsoft
  rotated its keys) — at most once per ``REFRESH_INTERVAL_SECONDS``, so tokens spraying made-up key ids
  cost one fetch a minute, not one each; while no key is held at all, at most once per
  ``RETRY_INTERVAL_SECONDS``;
- keys older than ``MAX_AGE_SECONDS`` are fetched again in the background while they keep serving, so a
  key Microsoft withdraws stops being accepted within a day (as with botbuilder);
- one fetch at a time: requests arriving meanwhile wait for it, never longer than
  ``FETCH_TIMEOUT_SECONDS`` (metadata and JWKS together), and do not start another;
- a failed fetch (timeout, connection or HTTP error, malformed or oversized document, no usable key) is
  logged and changes nothing: the last good keys stay.

A token naming a key id that is not held is refused with ``PermissionError`` (401). While no key has
ever been fetched no token can be checked: ``SigningKeysUnavailable`` makes that a 503, since the
fault is the server's, not the request's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

from core.errors import ParvisFailure

log = logging.getLogger(__name__)

#: the whole fetch (OpenID metadata, then the JWKS it names); requests wait at most this for keys
FETCH_TIMEOUT_SECONDS = 5.0
#: the least time between two fetches while keys are held (a token names an unknown key id)
REFRESH_INTERVAL_SECONDS = 60.0
#: the least time between two fetches while no key is held (the endpoint failed at start)
RETRY_INTERVAL_SECONDS = 5.0
#: keys older than this are fetched again, in the background
MAX_AGE_SECONDS = 24 * 3600.0
#: a metadata document or JWKS larger than this is refused (Microsoft's are a few KiB)
MAX_DOCUMENT_BYTES = 1 << 20


class SigningKeysUnavailable(ParvisFailure):
    """No signing key could be fetched yet, so no token can be checked (answered 503, not 401)."""


@dataclass(frozen=True)
class SigningKey:
    """One published key, as botbuilder reads it (the shape of its ``_OpenIdConfig``)."""

    public_key: Any
    endorsements: tuple[str, ...]


class SigningKeys:
    """The keys published at one OpenID metadata URL; botbuilder calls ``get`` for every token."""

    def __init__(self, metadata_url: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.metadata_url = metadata_url
        self.clock = clock
        self.keys: dict[str, SigningKey] = {}
        self.loaded_at: float | None = None
        self.attempted_at: float | None = None
        #: fetches started (tests and logs)
        self.attempts = 0
        self._lock = asyncio.Lock()
        self._background: asyncio.Task[None] | None = None

    async def get(self, key_id: str | None) -> SigningKey:
        """The key a token's ``kid`` names, fetching the keys again first if it is unknown (and a fetch
        is due); refused with ``PermissionError`` if it is still unknown."""
        if not key_id:
            raise PermissionError("the token names no signing key")
        if key_id not in self.keys:
            await self._refresh_if_due()
        elif self._stale():
            self._refresh_in_background()
        key = self.keys.get(key_id)
        if key is not None:
            return key
        if not self.keys:
            raise SigningKeysUnavailable(f"no signing key could be fetched from {self.metadata_url} yet")
        raise PermissionError("the token names a signing key that is not published")

    async def refresh(self) -> bool:
        """Fetch the keys now, whatever the interval (at start); whether it worked."""
        async with self._lock:
            return await self._fetch_and_keep()

    def _due(self) -> bool:
        if self.attempted_at is None:
            return True
        interval = REFRESH_INTERVAL_SECONDS if self.keys else RETRY_INTERVAL_SECONDS
        return self.clock() - self.attempted_at >= interval

    def _stale(self) -> bool:
        return self.loaded_at is None or self.clock() - self.loaded_at >= MAX_AGE_SECONDS

    async def _refresh_if_due(self) -> None:
        async with self._lock:  # a request arriving during a fetch waits for it, then finds it not due
            if self._due():
                await self._fetch_and_keep()

    def _refresh_in_background(self) -> None:
        if (self._background is None or self._background.done()) and self._due():
            self._background = asyncio.ensure_future(self._refresh_if_due())

    async def _fetch_and_keep(self) -> bool:
        self.attempted_at = self.clock()
        self.attempts += 1
        try:
            async with asyncio.timeout(FETCH_TIMEOUT_SECONDS):
                keys = await self._fetch()
        except Exception as exc:  # timeouts, connection and HTTP errors, malformed documents: all alike
            kept = f"keeping the {len(self.keys)} key(s) fetched before" if self.keys else "no key yet"
            log.warning("teams: could not fetch the signing keys from %s (%s); %s", self.metadata_url,
                        _describe(exc), kept)
            return False
        self.keys, self.loaded_at = keys, self.clock()
        log.info("teams: %d signing key(s) loaded from %s", len(keys), self.metadata_url)
        return True

    async def _fetch(self) -> dict[str, SigningKey]:
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            metadata = await _document(session, self.metadata_url)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str):
                raise ValueError("the OpenID metadata names no jwks_uri")
            keys = parse_jwks(await _document(session, jwks_uri))
        if not keys:
            raise ValueError("the JWKS holds no usable RSA key")
        return keys


async def _document(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        body = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > MAX_DOCUMENT_BYTES:
                raise ValueError(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    return json.loads(body)


def parse_jwks(document: Any) -> dict[str, SigningKey]:
    """The RSA keys of a JWKS by key id, read as botbuilder reads them; entries it could not use (no
    ``kid``, not RSA — it verifies RS256 only —, malformed endorsements) are skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("the JWKS has no list of keys")
    keys: dict[str, SigningKey] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        endorsements = entry.get("endorsements", [])
        if not isinstance(endorsements, list) or not all(isinstance(e, str) for e in endorsements):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(entry))
        except Exception:  # PyJWT raises InvalidKeyError, ValueError or KeyError on keys it cannot read
            continue
        keys[entry["kid"]] = SigningKey(public_key, tuple(endorsements))
    return keys


def install(metadata_url: str) -> SigningKeys:
    """From now on botbuilder takes the keys for ``metadata_url`` from a new ``SigningKeys``."""
    keys = SigningKeys(metadata_url)
    JwtTokenExtractor.metadataCache[metadata_url] = keys
    return keys


def installed(metadata_url: str) -> SigningKeys:
    """The ``SigningKeys`` botbuilder uses for ``metadata_url``, installed now if there is none yet."""
    current = JwtTokenExtractor.metadataCache.get(metadata_url)
    return current if isinstance(current, SigningKeys) else install(metadata_url)


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
