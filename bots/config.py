"""Configuration: the TOML file and environment variables of DESIGN.md §4, typed and validated.

Where it comes from, in order: ``--config FILE``, else ``parvis.toml`` in the working directory, else
the defaults. The defaults of what the core reads are the core's (``core.settings``, ``DEFAULTS``
below), not restated here; the platforms' sections are their adapters' (``[slack]`` in
``adapters/slack/settings.py``, ``[teams]`` in ``adapters/teams/settings.py``), composed into
``Config`` below; the others (server, database, …) are written below. Secrets may come from the
environment under the names the platforms' own tools use (``SLACK_BOT_TOKEN``,
``MICROSOFT_APP_PASSWORD``, …) and win over the file, so a file can be committed without them. A wrong
key or type stops the start with a ``ConfigError`` naming the file, the dotted key and what was
expected — a typo must not silently fall back to a default. A file that holds secrets (tokens, the app
password, ``[security]`` keys, a database password) and that other users may read is named in a
warning.

One class per section, each a strict ``adapters.settings.Section``; features add their keys to their
own section. The loader and its error reporting stay here: an adapter declares its section and is
handed it, and imports nothing from ``bots/``. ``Config.settings()`` turns the sections the core reads
into its typed ``core.settings.Settings``.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from adapters.settings import Section
from adapters.slack.settings import SlackConfig
from adapters.teams.settings import TeamsConfig
from bots.governance_config import GovernanceConfig, RolloutConfig
from core.errors import ConfigError
from core.runtime.db import DEFAULT_URL
from core.settings import (
    ANONYMITY_FLOOR,
    AnalyticsSettings,
    CampaignSettings,
    ExpertSettings,
    I18nSettings,
    Locale,
    PrivacySettings,
    SchedulerSettings,
    SecuritySettings,
    Settings,
    WebSettings,
)
from core.stats.digest import parse_when

log = logging.getLogger(__name__)

DEFAULT_FILE = "parvis.toml"

#: the core's defaults, which a key left out of the file keeps
DEFAULTS = Settings()

#: Environment variable → (section, key). Environment values win over the file.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "PARVIS_DATABASE_URL": ("database", "url"),
    "PARVIS_SECRET_KEY": ("security", "secret_key"),
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "MICROSOFT_APP_ID": ("teams", "app_id"),
    "MICROSOFT_APP_PASSWORD": ("teams", "app_password"),
    "MICROSOFT_APP_TENANT_ID": ("teams", "tenant_id"),
    "MICROSOFT_APP_TYPE": ("teams", "app_type"),
}


#: which HTTP requests ``parvis serve`` logs (``bots/access_log.py``)
AccessLogMode = Literal["problems", "all", "off"]


class ServerConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)
    access_log: AccessLogMode = "problems"


class DatabaseConfig(Section):
    url: str = DEFAULT_URL

    @field_validator("url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("a database URL such as sqlite+aiosqlite:///parvis.db") from exc
        if url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            raise ValueError("a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
        return value


class SchedulerConfig(Section):
    #: whether this process runs the worker: the process's business, not the core's
    enabled: bool = True
    dispatch_interval_seconds: float = Field(default=DEFAULTS.scheduler.dispatch_interval_seconds, gt=0,
                                             le=3600)
    dispatch_concurrency: int = Field(default=DEFAULTS.scheduler.dispatch_concurrency, ge=1, le=64)
    # Why these rates: core.delivery.ratelimit.platform_rates.
    slack_per_minute: int = Field(default=DEFAULTS.scheduler.slack_per_minute, ge=1)
    teams_per_second: int = Field(default=DEFAULTS.scheduler.teams_per_second, ge=1)
    shared_pace: bool = DEFAULTS.scheduler.shared_pace

    def settings(self) -> SchedulerSettings:
        return SchedulerSettings(dispatch_interval_seconds=self.dispatch_interval_seconds,
                                 dispatch_concurrency=self.dispatch_concurrency,
                                 slack_per_minute=self.slack_per_minute,
                                 teams_per_second=self.teams_per_second,
                                 shared_pace=self.shared_pace)


class ExpertsConfig(Section):
    answer_timeout_minutes: int = Field(default=DEFAULTS.experts.answer_timeout_minutes, ge=1)
    max_hops: int = Field(default=DEFAULTS.experts.max_hops, ge=1, le=10)
    #: ``"09:00-18:00"``, or unset for every hour of every day
    working_hours: str | None = None
    #: e-mails of the people who take a question nobody else could, in this order
    fallback: list[str] = Field(default_factory=list)

    @field_validator("fallback")
    @classmethod
    def _fallback(cls, value: list[str]) -> list[str]:
        cleaned = [email.strip().lower() for email in value]
        for email in cleaned:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                raise ValueError(f"e-mail addresses, and {email!r} is not one")
        return list(dict.fromkeys(cleaned))

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None:
            parse_working_hours(value)
        return value

    @property
    def working_hours_range(self) -> tuple[time, time] | None:
        """``(start, end)`` in each expert's own time zone, or ``None`` for any time."""
        return parse_working_hours(self.working_hours) if self.working_hours else None

    def settings(self) -> ExpertSettings:
        return ExpertSettings(answer_timeout_minutes=self.answer_timeout_minutes, max_hops=self.max_hops,
                              working_hours=self.working_hours_range, fallback=tuple(self.fallback))


class I18nConfig(Section):
    default_locale: Locale = DEFAULTS.i18n.default_locale

    def settings(self) -> I18nSettings:
        return I18nSettings(default_locale=self.default_locale)


class RolesConfig(Section):
    admins: list[str] = Field(default_factory=list)
    animators: list[str] = Field(default_factory=list)
    referents: list[str] = Field(default_factory=list)

    @field_validator("admins", "animators", "referents")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        cleaned = [email.strip().lower() for email in value]
        for email in cleaned:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                raise ValueError(f"e-mail addresses, and {email!r} is not one")
        return cleaned

    def grants(self) -> list[tuple[str, str]]:
        """``(email, role)`` pairs to hold at start."""
        by_role = {"admin": self.admins, "animator": self.animators, "referent": self.referents}
        return [(email, role) for role, emails in by_role.items() for email in emails]


class CampaignsConfig(Section):
    anonymity_min: int = DEFAULTS.campaigns.anonymity_min

    @field_validator("anonymity_min")
    @classmethod
    def _not_lower(cls, value: int) -> int:
        if value < ANONYMITY_FLOOR:
            raise ValueError(f"at least {ANONYMITY_FLOOR} (the minimum may be raised, never lowered)")
        return value

    def settings(self) -> CampaignSettings:
        return CampaignSettings(anonymity_min=self.anonymity_min)


class PrivacyConfig(Section):
    keep_events_days: int = Field(default=DEFAULTS.privacy.keep_events_days, ge=1)
    keep_texts_days: int = Field(default=DEFAULTS.privacy.keep_texts_days, ge=1)

    def settings(self) -> PrivacySettings:
        return PrivacySettings(keep_events_days=self.keep_events_days, keep_texts_days=self.keep_texts_days)


#: the fewest characters a configured server secret may have: it must not be guessable
SECRET_MIN_LENGTH = 32
SECRET_HINT = ("a random string of at least 32 characters, such as the output of "
               "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")


class SecurityConfig(Section):
    #: the server secret (``core.settings.SecuritySettings``); on SQLite ``bots/server_secret.py``
    #: generates one beside the database when it is not given
    secret_key: SecretStr | None = None
    previous_secret_keys: list[SecretStr] = Field(default_factory=list)

    @field_validator("secret_key", "previous_secret_keys")
    @classmethod
    def _long_enough(cls, value: SecretStr | list[SecretStr] | None) -> SecretStr | list[SecretStr] | None:
        for secret in value if isinstance(value, list) else [value] if value else []:
            if len(secret.get_secret_value()) < SECRET_MIN_LENGTH:
                raise ValueError(SECRET_HINT)
        return value

    def settings(self) -> SecuritySettings:
        current = self.secret_key.get_secret_value() if self.secret_key else ""
        return SecuritySettings(secret_key=current, previous_secret_keys=tuple(
            secret.get_secret_value() for secret in self.previous_secret_keys))


class AnalyticsConfig(Section):
    #: when the weekly digest goes to animators and admins, in each one's time zone: ``"monday 09:00"``;
    #: empty (the default) for none
    digest: str = ""

    @field_validator("digest")
    @classmethod
    def _when(cls, value: str) -> str:
        parse_when(value)
        return value

    def settings(self) -> AnalyticsSettings:
        return AnalyticsSettings(digest=parse_when(self.digest))


class WebConfig(Section):
    #: the https:// address where people's clients reach Parvis (behind its reverse proxy): Teams
    #: fetches the charts of ``stats`` from there when they are too large to travel in the card, and
    #: members on Teams download their ``privacy export`` from there
    public_url: str | None = None
    #: how long a web console session lasts (``dashboard``'s link opens one)
    session_hours: int = Field(default=DEFAULTS.web.session_hours, ge=1, le=24 * 30)
    #: the privacy and terms pages the Teams app package links to; unset: Parvis's own ``/privacy`` and
    #: ``/terms`` (``bots/legal_pages.py``) under the package's ``--url``
    privacy_url: str | None = None
    terms_url: str | None = None

    @field_validator("public_url", "privacy_url", "terms_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError('an http(s) address such as "https://parvis.example.com"')
        return value

    def settings(self) -> WebSettings:
        return WebSettings(public_url=self.public_url.rstrip("/") if self.public_url else None,
                           session_hours=self.session_hours)


class Config(Section):
    server: ServerConfig = Field(default_factory=ServerConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    teams: TeamsConfig = Field(default_factory=TeamsConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    experts: ExpertsConfig = Field(default_factory=ExpertsConfig)
    i18n: I18nConfig = Field(default_factory=I18nConfig)
    roles: RolesConfig = Field(default_factory=RolesConfig)
    campaigns: CampaignsConfig = Field(default_factory=CampaignsConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)

    def settings(self) -> Settings:
        """What the core reads of this configuration, typed."""
        return Settings(i18n=self.i18n.settings(), experts=self.experts.settings(),
                        scheduler=self.scheduler.settings(), campaigns=self.campaigns.settings(),
                        security=self.security.settings(), analytics=self.analytics.settings(),
                        governance=self.governance.settings(), rollout=self.rollout.settings(),
                        privacy=self.privacy.settings(), web=self.web.settings())


def parse_working_hours(value: str) -> tuple[time, time]:
    """``"09:00-18:00"`` → ``(09:00, 18:00)``; the start must come before the end."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    try:
        assert match is not None
        start = time(int(match[1]), int(match[2]))
        end = time(int(match[3]), int(match[4]))
    except (AssertionError, ValueError) as exc:
        raise ValueError('a range of hours such as "09:00-18:00"') from exc
    if start >= end:
        raise ValueError('a range of hours whose start comes before its end, such as "09:00-18:00"')
    return start, end


def find_config_file(path: str | os.PathLike[str] | None, cwd: Path | None = None) -> Path | None:
    """``path`` when given (it must exist), else ``parvis.toml`` in ``cwd`` if there, else ``None``."""
    if path is not None:
        given = Path(path)
        if not given.is_file():
            raise ConfigError(f"{given}: configuration file not found")
        return given
    default = (cwd or Path.cwd()) / DEFAULT_FILE
    return default if default.is_file() else None


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """The validated configuration; raises ``ConfigError`` with the file, the key and the expectation."""
    source = find_config_file(path, cwd)
    data = _read_toml(source) if source else {}
    if source is not None:
        warn_if_others_can_read(source, _secrets_in(data))
    origins = _apply_environment(data, os.environ if env is None else env)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        where = str(source) if source else "configuration"
        # from None, deliberately: pydantic's own message echoes every refused value, secrets included
        # (``_describe`` hides them)
        raise ConfigError("\n".join(_describe(where, error, origins) for error in exc.errors())) from None


def _read_toml(source: Path) -> dict[str, Any]:
    try:
        with source.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read: {exc.strerror}") from exc


def warn_if_others_can_read(path: Path, holds: list[str]) -> None:
    """Log a warning naming ``path`` when it holds secrets (``holds``: what) and its group or other
    users may read it."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if holds and mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("%s holds %s and other users can read it (mode %03o): restrict it with `chmod 600 %s`",
                    path, ", ".join(holds), mode, path)


def _secrets_in(data: Mapping[str, Any]) -> list[str]:
    """The dotted keys of the file's data that hold secrets: every ``SecretStr`` key, and a database
    URL carrying a password."""
    found = []
    for section, table in data.items():
        field = Config.model_fields.get(section)
        model = field.annotation if field else None
        if not isinstance(table, dict) or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for key, value in table.items():
            inner = model.model_fields.get(key)
            if inner is not None and "SecretStr" in str(inner.annotation) and value:
                found.append(f"{section}.{key}")
    url = data.get("database", {}).get("url") if isinstance(data.get("database"), dict) else None
    try:
        if isinstance(url, str) and make_url(url).password:
            found.append("database.url (its password)")
    except ArgumentError:
        pass
    return found


def _apply_environment(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Copy secrets from the environment into ``data``; returns dotted key → variable name."""
    origins: dict[str, str] = {}
    for variable, (section, key) in ENVIRONMENT.items():
        value = env.get(variable)
        if value:
            table = data.setdefault(section, {})
            if isinstance(table, dict):
                table[key] = value
                origins[f"{section}.{key}"] = variable
    return origins


def _describe(where: str, error: Mapping[str, Any], origins: Mapping[str, str]) -> str:
    """One line: ``parvis.toml: server.port: expected …, got 'abc'``."""
    dotted = ".".join(str(part) for part in error["loc"])
    if dotted in origins:
        where = f"environment variable {origins[dotted]}"
    if error["type"] == "extra_forbidden":
        return f"{where}: {dotted}: unknown key; expected one of: {_known_keys(error['loc'])}"
    expected = str(error["msg"]).replace("Value error, ", "expected ", 1)
    expected = expected.replace("Input should be ", "expected ", 1)
    shown = "(hidden)" if _is_secret(error["loc"]) else repr(error.get("input"))
    return f"{where}: {dotted}: {expected}, got {shown}"


def _section_model(loc: tuple[Any, ...]) -> type[BaseModel]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return model


def _known_keys(loc: tuple[Any, ...]) -> str:
    return ", ".join(_section_model(loc[:-1]).model_fields)


def _is_secret(loc: tuple[Any, ...]) -> bool:
    while loc and isinstance(loc[-1], int):  # an item of a list of secrets
        loc = loc[:-1]
    field = _section_model(loc[:-1]).model_fields.get(str(loc[-1])) if loc else None
    return field is not None and "SecretStr" in str(field.annotation)
