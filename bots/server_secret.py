"""The server secret a process starts with, and the private files around it.

The secret keys the hashes that stand for the respondents of anonymous campaigns
(``core.campaigns.answers``): whoever reads the database without it cannot tell who answered what, so
it never lives in the database. Where it comes from, in order:

1. ``PARVIS_SECRET_KEY`` or ``[security] secret_key`` (``bots.config``);
2. on SQLite, the file ``<database>.secret`` beside the database: created on the first start with a
   random secret, readable and writable by its owner only, and read again at every start after. Back
   it up with the database but keep the copies apart: the database alone must not be enough;
3. on PostgreSQL, nothing: the start is refused. Its processes may run on several machines, which
   must all use the same secret, and a secret made up by one of them would not be.

``parvis serve``, ``worker``, ``chat`` and ``demo`` call ``provide`` before they touch the database.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from pydantic import SecretStr

from bots.config import SECRET_HINT, SECRET_MIN_LENGTH, Config, warn_if_others_can_read
from core.errors import ConfigError
from core.runtime.db import is_sqlite, sqlite_file

log = logging.getLogger(__name__)

SUFFIX = ".secret"


def secret_path(database_url: str) -> Path | None:
    """Where a SQLite database's generated secret lives: beside it, ``parvis.db`` → ``parvis.db.secret``;
    ``None`` for an in-memory database."""
    found = sqlite_file(database_url)
    return Path(found + SUFFIX) if found else None


def provide(config: Config) -> Config:
    """``config`` with its server secret: as configured, else generated (SQLite), else ``ConfigError``."""
    url = config.database.url
    database = sqlite_file(url)
    if database is not None:
        warn_if_others_can_read(Path(database), ["every answer"])
    if config.security.secret_key is not None:
        return config
    if not is_sqlite(url):
        raise ConfigError(
            "PostgreSQL needs a server secret, the same for every Parvis process and kept out of the "
            "database: set [security] secret_key, or the environment variable PARVIS_SECRET_KEY, to "
            + SECRET_HINT)
    path = secret_path(url)
    secret = _read_or_create(path) if path is not None else secrets.token_urlsafe(32)
    security = config.security.model_copy(update={"secret_key": SecretStr(secret)})
    return config.model_copy(update={"security": security})


def _read_or_create(path: Path) -> str:
    """The secret in ``path``, written first (0600) if the file does not exist. The file appears
    complete or not at all (written aside, then linked into place), so two processes starting at
    once end up with the same secret."""
    if path.exists():
        return _read(path)
    secret = secrets.token_urlsafe(32)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        handle = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(secret + "\n")
        os.link(aside, path)
    except FileExistsError:  # another process was quicker: use its secret
        return _read(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot create the server secret file: {exc.strerror}") from exc
    finally:
        aside.unlink(missing_ok=True)
    log.info("generated the server secret in %s (readable by its owner only); back it up apart from "
             "the database", path)
    return secret


def _read(path: Path) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip()
        mode = stat.S_IMODE(path.stat().st_mode)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the server secret file: {exc}") from exc
    if len(secret) < SECRET_MIN_LENGTH:
        raise ConfigError(f"{path}: the server secret file must hold {SECRET_HINT}")
    if mode & 0o077:
        log.warning("%s holds the server secret and other users can access it (mode %03o): restrict it "
                    "with `chmod 600 %s`", path, mode, path)
    return secret
