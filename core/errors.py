"""The one error tree of Parvis.

Every exception Parvis raises on purpose descends from ``ParvisFailure``: what a boundary catches
outside it is a bug or a foreign library's failure. Foreign errors (SQLAlchemy, pydantic, TOML,
``OSError``, slack_sdk, botbuilder…) are translated where they enter, with ``raise … from exc`` so that
a logged traceback keeps the cause; ``from None`` only where the cause would show what must not be
shown (and the line says so).

    ParvisFailure                 the root: a failure Parvis anticipated and can explain
    ├── ParvisError               a domain error told to a member: a catalog key, becomes a localised reply
    │   ├── UsageError            the command text does not fit the grammar (reply shows usage)
    │   ├── NotFound              a named thing (group, member, question…) does not exist or is hidden
    │   ├── Forbidden             the member may not do this (role, ownership, privacy)
    │   ├── Conflict              the action contradicts the current state (already joined, closed…)
    │   └── InvalidInput          a value is out of range or malformed (too long, bad date…)
    │       └── FormErrors        every wrong input of a submitted form, each under its input
    │                             (``core.campaigns.form_check``)
    ├── DeliveryError             a Messenger could not deliver; says whether to retry and when
    │   ├── UploadFailed          Slack did not take a chart (``adapters.slack.files``)
    │   └── MessageGone           the message to delete no longer exists (deleted already)
    ├── IdentityUnavailable       a platform cannot say yet who a never-seen person is: the turn asks them
    │                             to try again (``adapters.slack.identity``)
    ├── SigningKeysUnavailable    no Teams signing key could be fetched yet: activities get 503
    │                             (``adapters.teams.keys``)
    ├── CardInFlight              the card an update replaces is being sent: the update is built later
    │                             (``core.experts.notices``)
    └── OperatorError             the installation cannot do what its operator asked; the message, for
        │                         them, goes to stderr with an exit status ≠ 0 (or stops the start)
        ├── ConfigError           a configuration file, key, environment variable or option is wrong
        │   └── EmulatorModeRefused  no Teams app id on a non-loopback address (``adapters.teams.auth``)
        ├── DatabaseNotReady      the database is unreachable or not migrated (``bots.bootstrap``)
        ├── DatabaseUnusable      a one-shot command cannot use the database (``bots.cli_database``)
        ├── TemplateError         a campaign template file is malformed (``core.campaigns.templates``)
        ├── PackageError          the Teams app package cannot be built as asked (``adapters.teams.package``)
        └── ReportError           a report cannot be produced or written (``bots.cli_reports``)

The classes without a module named above live here. Adapters keep one boundary per inbound turn: a
``ParvisError`` becomes ``Reply`` text through the catalog, anything else is logged with its traceback
and the user gets a generic apology — never the exception text. ``tests/test_errors.py`` checks that
every exception class of ``core/``, ``adapters/`` and ``bots/`` is in this tree and in this picture.
"""

from __future__ import annotations

from typing import Any


class ParvisFailure(Exception):
    """The root of every exception Parvis raises on purpose (see the tree above)."""


class ParvisError(ParvisFailure):
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


class DeliveryError(ParvisFailure):
    """A platform refused or failed a send.

    ``permanent`` failures (user gone, bot removed) must not be retried; ``retry_after`` is the
    platform's own back-off hint in seconds (Slack and Teams 429 ``Retry-After``).
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class MessageGone(DeliveryError):
    """The platform says the message to delete is not there (any more): deleted already, by Parvis or
    by someone else. Moderation tells the moderator so instead of failing (``core.moderation``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class OperatorError(ParvisFailure):
    """The installation cannot do what its operator asked; the message says what to do about it.

    Unlike a ``ParvisError`` it is no catalog key: it is written for the person running ``parvis``
    (on stderr, exit status ≠ 0) or reading the log.
    """


class ConfigError(OperatorError):
    """The configuration cannot be used; the message says where, which key and what was expected."""
