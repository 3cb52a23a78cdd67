"""A fake Bot Framework connector on 127.0.0.1 (DESIGN.md §5), served from a thread.

It plays both sides Microsoft plays for a Teams bot:

- the **token publisher**: an OpenID metadata document and a JWKS holding the keys the test signs
  inbound activities with (``sign``). The server runs in its own thread rather than on the test's event
  loop, so that it answers whatever the loop is doing. Two keys are published (``published``): one
  endorsed for ``msteams`` and one endorsed only for another channel (to test endorsement checks); a
  third key (``OTHER``) is not, until a test publishes it (a key rotation). ``key_status`` makes both
  documents answer an HTTP error instead.
- the **connector**: records what the bot sends to ``/v3/conversations/…`` (with and without a
  trailing activity id, PUT for updates, POST ``/v3/conversations`` to create one) and answers with
  the connector's shapes, after checking the bearer token is one it issued (``issue_token``).
  ``fail_next`` makes it answer 429 with ``Retry-After``, or 403/404/5xx.

Like Teams, it refuses what Teams refuses (``tests/fakes/adaptive_card.py``): an activity over 28 KB gets
413 ``MessageSizeTooBig``, one with an Adaptive Card off the 1.5 schema or Teams' limits 400
``BadArgument``. Each refusal is also kept in ``violations``, which the ``connector`` fixture asserts
empty after each test: every test that makes Parvis send a card checks it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.adaptive_card import MAX_ACTIVITY, activity_problems, activity_size

ISSUER = "https://api.botframework.com"
MAIN, NARROW, OTHER = "main", "narrow", "other"


@dataclass
class Call:
    """One request the bot made to the connector."""

    method: str
    path: str
    authorized: bool
    body: dict[str, Any] | None
    #: what the fake answered (a failure made with ``fail_next``, a refusal, or 200)
    status: int = 200

    @property
    def activity_type(self) -> str | None:
        return (self.body or {}).get("type")


@dataclass
class Failure:
    status: int
    retry_after: str | None = None


@dataclass
class BotConnector:
    """Start with ``with BotConnector() as fake:``; ``fake.url`` is the service URL and metadata host."""

    issuer: str = ISSUER
    calls: list[Call] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    metadata_fetches: int = 0
    #: activities real Teams would refuse, as ``"<METHOD> <path>: <problem>"`` (the fixture asserts none)
    violations: list[str] = field(default_factory=list)
    #: (conversation id, activity id) → who sent it (``"bot"`` for the bot's sends; a test adds people's)
    activities: dict[tuple[str, str], str] = field(default_factory=dict)
    #: key name → its endorsements, for every key the JWKS publishes
    published: dict[str, list[str]] = field(default_factory=lambda: {MAIN: ["msteams", "emulator"],
                                                                      NARROW: ["webchat"]})
    #: when set, the metadata document and the JWKS answer this HTTP status
    key_status: int | None = None

    def __post_init__(self) -> None:
        self.keys = {name: rsa.generate_private_key(public_exponent=65537, key_size=2048)
                     for name in (MAIN, NARROW, OTHER)}
        self._lock = threading.Lock()
        self._ids = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BotConnector:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    def jwks(self) -> dict[str, Any]:
        keys = []
        for name, endorsements in self.published.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(self.keys[name].public_key()))
            keys.append({**jwk, "kid": name, "use": "sig", "endorsements": endorsements})
        return {"keys": keys}

    def sign(self, app_id: str, service_url: str, *, key: str = MAIN, audience: str | None = None,
             expires_in: int = 3600, issuer: str | None = None) -> str:
        """An ``Authorization`` header value as the Bot Framework channel would send it."""
        now = int(time.time())
        claims = {"iss": issuer or self.issuer, "aud": audience or app_id, "serviceurl": service_url,
                  "nbf": now - 60, "iat": now - 60, "exp": now + expires_in}
        token = jwt.encode(claims, self.keys[key], algorithm="RS256", headers={"kid": key})
        return f"Bearer {token}"

    def issue_token(self) -> str:
        """A bot access token the connector accepts (what Microsoft login would hand the bot)."""
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return token

    def fail_next(self, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        self.failures.extend(Failure(status, retry_after) for _ in range(times))

    def sent(self, kind: str | None = None) -> list[Call]:
        """Successful calls carrying activities (``kind``: ``POST`` sends or ``PUT`` updates)."""
        return [call for call in self.calls if call.body is not None and call.authorized
                and "/activities" in call.path and (kind is None or call.method == kind)]

    def check(self, where: str, problems: list[str]) -> list[str]:
        """Record ``problems`` found in what ``where`` received; returns them."""
        with self._lock:
            self.violations.extend(f"{where}: {problem}" for problem in problems)
        return problems

    def next_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}{self._ids}"


def _handler(fake: BotConnector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path.endswith("/openidconfiguration"):
                fake.metadata_fetches += 1
                if fake.key_status is not None:
                    return self._json(fake.key_status, {"error": "fake"})
                return self._json(200, {"issuer": fake.issuer, "jwks_uri": f"{fake.url}/v1/.well-known/keys",
                                        "id_token_signing_alg_values_supported": ["RS256"]})
            if path.endswith("/v1/.well-known/keys"):
                if fake.key_status is not None:
                    return self._json(fake.key_status, {"error": "fake"})
                return self._json(200, fake.jwks())
            self._connector("GET", None)

        def do_POST(self) -> None:
            self._connector("POST", self._body())

        def do_PUT(self) -> None:
            self._connector("PUT", self._body())

        def do_DELETE(self) -> None:
            self._connector("DELETE", None)

        def _body(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else {}
            except ValueError:
                return None

        def _connector(self, method: str, body: dict[str, Any] | None) -> None:
            header = self.headers.get("Authorization") or ""
            authorized = header.startswith("Bearer ") and header[7:] in fake.tokens
            path = unquote(self.path.split("?")[0])
            fake.calls.append(Call(method, path, authorized, body))
            if not authorized:
                return self._json(401, {"error": {"code": "Unauthorized", "message": "bad token"}})
            refusal = self._refusal(method, path)
            if refusal is not None:
                fake.calls[-1].status = refusal[0]
                return self._json(*refusal)
            if fake.failures:
                failure = fake.failures.pop(0)
                fake.calls[-1].status = failure.status
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                return self._json(failure.status, {"error": {"code": "Failed", "message": "fake"}}, headers)
            self._route(method, path.split("/"))

        def _refusal(self, method: str, path: str) -> tuple[int, dict[str, Any]] | None:
            """Teams' answer to an activity it refuses (``None`` when it takes it)."""
            body = fake.calls[-1].body
            if method not in ("POST", "PUT") or not isinstance(body, dict):
                return None
            activity = body if "/activities" in path else body.get("activity")
            if not isinstance(activity, dict):
                return None
            problems = fake.check(f"{method} {path}", activity_problems(activity))
            if not problems:
                return None
            if activity_size(activity) > MAX_ACTIVITY:
                return 413, {"error": {"code": "MessageSizeTooBig", "message": "Message size too big"}}
            return 400, {"error": {"code": "BadArgument", "message": "; ".join(problems)[:2000]}}

        def _route(self, method: str, parts: list[str]) -> None:
            # ['', 'v3', 'conversations', id?, 'activities'|'members', id?]
            if parts[1:3] != ["v3", "conversations"]:
                return self._json(404, {"error": {"code": "NotFound"}})
            if len(parts) == 3 and method == "POST":
                return self._json(200, {"id": fake.next_id("a:created-"), "activityId": fake.next_id("act-")})
            if len(parts) >= 5 and parts[4] == "members" and method == "GET":
                member = fake.members.get(parts[5] if len(parts) > 5 else "")
                if member is None:
                    return self._json(404, {"error": {"code": "MemberNotFoundInConversation"}})
                return self._json(200, member)
            if len(parts) >= 5 and parts[4] == "activities":
                if method == "DELETE":
                    return self._delete(parts[3], parts[5] if len(parts) > 5 else "")
                if method == "PUT":
                    return self._json(200, {"id": parts[5] if len(parts) > 5 else ""})
                activity_id = fake.next_id("act-")
                fake.activities[(parts[3].partition(";")[0], activity_id)] = "bot"
                return self._json(200, {"id": activity_id})
            self._json(404, {"error": {"code": "NotFound"}})

        def _delete(self, conversation: str, activity_id: str) -> None:
            """Like Teams: a bot deletes only its own activities (403 otherwise); one that is not there,
            or deleted already, is 404. Success is 200 with an empty body."""
            key = (conversation.partition(";")[0], activity_id)
            sender = fake.activities.get(key)
            if sender is None:
                fake.calls[-1].status = 404
                return self._json(404, {"error": {"code": "NotFound", "message": "Activity not found"}})
            if sender != "bot":
                fake.calls[-1].status = 403
                return self._json(403, {"error": {"code": "Forbidden", "message": "Not the bot's activity"}})
            del fake.activities[key]
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
