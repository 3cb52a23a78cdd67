"""The server secret and the files that hold what must stay private, at start-up.

The secret keys the hashes that stand for anonymous respondents, so it must never be in the database:
it comes from ``[security] secret_key`` or ``PARVIS_SECRET_KEY``; on SQLite a start without one
generates it into a file beside the database (readable by its owner only); on PostgreSQL the start is
refused. The SQLite database is created readable by its owner only, and a configuration file holding
secrets that others may read is named in a warning.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from bots.cli import main
from bots.config import load_config
from bots.server_secret import provide
from core.errors import ConfigError
from core.settings import Settings

KEY = "k" * 40


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write(path: Path, text: str, permissions: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(permissions)
    return path


def sqlite_config(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    database = tmp_path / "parvis.db"
    config = write(tmp_path / "parvis.toml", f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n{extra}')
    return config, database


def test_postgresql_without_a_secret_refuses_to_start(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARVIS_SECRET_KEY", raising=False)
    config = write(tmp_path / "parvis.toml",
                   '[database]\nurl = "postgresql+asyncpg://parvis@127.0.0.1:9/parvis"\n')
    for command in (["worker"], ["serve"], ["chat", "--as", "ana@example.com", "--no-worker"]):
        assert main([*command, "--config", str(config)]) == 2, command
        err = capsys.readouterr().err
        assert "[security] secret_key" in err and "PARVIS_SECRET_KEY" in err, err
        assert "PostgreSQL" in err and "cannot use the database" not in err   # refused before connecting


def test_sqlite_generates_a_private_secret_beside_the_database_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARVIS_SECRET_KEY", raising=False)
    config, database = sqlite_config(tmp_path)
    assert main(["chat", "--as", "nobody@example.com", "--no-worker", "--config", str(config)]) == 1
    secret = tmp_path / "parvis.db.secret"
    assert secret.is_file() and mode(secret) == 0o600
    first = secret.read_text(encoding="utf-8").strip()
    assert len(first) >= 32
    assert main(["chat", "--as", "nobody@example.com", "--no-worker", "--config", str(config)]) == 1
    assert secret.read_text(encoding="utf-8").strip() == first          # kept, not replaced
    assert first not in database.read_bytes().decode("latin-1")


def test_a_configured_secret_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARVIS_SECRET_KEY", KEY)
    config, _database = sqlite_config(tmp_path)
    assert main(["chat", "--as", "nobody@example.com", "--no-worker", "--config", str(config)]) == 1
    assert not (tmp_path / "parvis.db.secret").exists()


def test_the_sqlite_database_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    config, database = sqlite_config(tmp_path)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert mode(database) == 0o600
    for companion in (tmp_path / "parvis.db-wal", tmp_path / "parvis.db-shm"):
        if companion.exists():
            assert mode(companion) & 0o077 == 0, companion


def test_a_readable_configuration_file_holding_secrets_is_named_in_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cases = {
        "token.toml": '[slack]\nbot_token = "xoxb-1"\n',
        "password.toml": '[teams]\napp_id = "a"\napp_password = "pw"\nallowed_tenants = ["t"]\n',
        "key.toml": f'[security]\nsecret_key = "{KEY}"\n',
        "database.toml": '[database]\nurl = "postgresql+asyncpg://parvis:pw@db/parvis"\n',
    }
    for name, text in cases.items():
        path = write(tmp_path / name, text, 0o644)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            load_config(path, env={})
        assert any(str(path) in record.getMessage() and record.levelno == logging.WARNING
                   for record in caplog.records), name
        path.chmod(0o600)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            load_config(path, env={})
        assert not caplog.records, name
    plain = write(tmp_path / "plain.toml", "[server]\nport = 8080\n", 0o644)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        load_config(plain, env={})
    assert not caplog.records                                   # nothing secret in it: no warning


def test_the_secret_and_the_minimum_are_typed_settings(tmp_path: Path) -> None:
    path = write(tmp_path / "parvis.toml", f'[campaigns]\nanonymity_min = 5\n[security]\n'
                 f'secret_key = "{KEY}"\nprevious_secret_keys = ["{"o" * 32}"]\n')
    settings = load_config(path, env={}).settings()
    assert settings.campaigns.anonymity_min == 5
    assert settings.security.secret_key == KEY and settings.security.previous_secret_keys == ("o" * 32,)
    assert KEY not in repr(settings)
    from_env = load_config(None, env={"PARVIS_SECRET_KEY": "e" * 32}, cwd=tmp_path / "nowhere")
    assert from_env.settings().security.secret_key == "e" * 32
    assert load_config(None, env={}, cwd=tmp_path / "nowhere").settings() == Settings()


@pytest.mark.parametrize(("text", "env", "expected"), [
    ("[campaigns]\nanonymity_min = 2\n", {},
     "campaigns.anonymity_min: expected at least 3 (the minimum may be raised, never lowered), got 2"),
    ('[security]\nsecret_key = "short-and-guessable"\n', {}, "security.secret_key: expected a random string "
                                                            "of at least 32 characters"),
    ("", {"PARVIS_SECRET_KEY": "short"}, "environment variable PARVIS_SECRET_KEY: security.secret_key: "
                                         "expected a random string"),
    ('[security]\nprevious_secret_keys = ["also-short"]\n', {}, "security.previous_secret_keys: expected"),
])
def test_a_lowered_minimum_or_a_weak_secret_is_refused_at_start(
        tmp_path: Path, text: str, env: dict[str, str], expected: str) -> None:
    path = write(tmp_path / "parvis.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env)
    assert expected in str(caught.value)
    assert "short" not in str(caught.value)                    # secrets are never echoed


def test_provide_keeps_a_configured_secret_and_reads_the_generated_one(tmp_path: Path) -> None:
    config, _database = sqlite_config(tmp_path)
    loaded = load_config(config, env={})
    provided = provide(loaded)
    secret = provided.settings().security.secret_key
    assert len(secret) >= 32 and provide(loaded).settings().security.secret_key == secret
    assert (tmp_path / "parvis.db.secret").read_text(encoding="utf-8").strip() == secret
    configured = load_config(config, env={"PARVIS_SECRET_KEY": KEY})
    assert provide(configured) is configured
    memory = load_config(None, env={"PARVIS_DATABASE_URL": "sqlite+aiosqlite:///:memory:"},
                         cwd=tmp_path / "nowhere")
    assert len(provide(memory).settings().security.secret_key) >= 32   # lives as long as the database


def test_a_secret_file_others_can_read_or_too_short_is_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config, _database = sqlite_config(tmp_path)
    secret = write(tmp_path / "parvis.db.secret", "s" * 40 + "\n", 0o644)
    with caplog.at_level(logging.WARNING):
        provide(load_config(config, env={}))
    assert str(secret) in caplog.text and "chmod 600" in caplog.text
    write(secret, "tiny\n")
    with pytest.raises(ConfigError) as caught:
        provide(load_config(config, env={}))
    assert str(secret) in str(caught.value) and "tiny" not in str(caught.value)
