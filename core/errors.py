"""The one error tree of Parvis.

    ParvisError                  a domain error: carries a catalog key, becomes a localised reply
    ├── UsageError               the command text does not fit the grammar (reply shows usage)
    ├── NotFound                 a named thing (group, member, question…) does not exist or is hidden
    ├── Forbidden                the member may not do this (role, ownership, privacy)
    ├── Conflict                 the action contradicts the current state (already joined, closed…)
    └── InvalidInput             a value is out of range or malformed (too long, bad date…)
    DeliveryError                a Messenger could not deliver; says whether to retry and when

Adapters keep one boundary per inbound turn: a ``ParvisError`` becomes ``Reply`` text through the
catalog, anything else is logged with its traceback and the user gets a generic apology — never the
exception text.
"""

from __future__ import annotations

from typing import Any


class ParvisError(Exception):
    """A failure the user should be told about, in their language.

    ``key`` names a message in ``prompts/messages/*.toml``; ``params`` fill its placeholders.
    """

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        #: the form input the error is about, when there is one, so that a platform showing the form
        #: (a Slack modal) puts the message under that input rather than under the first one
        self.input: str | None = None

    def within(self, name: str) -> ParvisError:
        """This error, attributed to the form input ``name`` (unless already attributed)."""
        if self.input is None:
            self.input = name
        return self


class UsageError(ParvisError):
    """The command does not fit the grammar; ``usage`` is the catalog key of the right form."""

    def __init__(self, key: str, usage: str | None = None, **params: Any) -> None:
        super().__init__(key, **params)
        self.usage = usage


class NotFound(ParvisError):
    """The thing named does not exist, or the member is not allowed to know it does."""


class Forbidden(ParvisError):
    """The member lacks the role or ownership the action needs."""


class Conflict(ParvisError):
    """The action contradicts the current state (a second join, a closed round…)."""


class InvalidInput(ParvisError):
    """A value is malformed or out of range."""


class DeliveryError(Exception):
    """A platform refused or failed a send.

    ``permanent`` failures (user gone, bot removed) must not be retried; ``retry_after`` is the
    platform's own back-off hint in seconds (Slack and Teams 429 ``Retry-After``).
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
