"""Configuration: defaults, file lookup, environment secrets, and refusals that say what is wrong."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
from pydantic import BaseModel

from bots.cli import main
from bots.config import Config, load_config, parse_working_hours
from core.errors import ConfigError
from core.settings import ExpertSettings, I18nSettings, SchedulerSettings, Settings

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def write(directory: Path, text: str, name: str = "parvis.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path | None, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {}, cwd=cwd)
    return str(caught.value)


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(env={}, cwd=tmp_path)
    assert config == Config()
    assert (config.server.host, config.server.port) == ("127.0.0.1", 3978)
    assert config.database.url == "sqlite+aiosqlite:///parvis.db"
    assert config.slack.api_base_url == "https://slack.com/api/"
    assert not config.slack.configured and not config.teams.configured


def test_parvis_toml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    write(tmp_path, '[server]\nport = 8080\n[i18n]\ndefault_locale = "fr"\n')
    config = load_config(env={}, cwd=tmp_path)
    assert config.server.port == 8080 and config.i18n.default_locale == "fr"


def test_explicit_file_wins_and_must_exist(tmp_path: Path) -> None:
    write(tmp_path, "[server]\nport = 8080\n")
    other = write(tmp_path, "[server]\nport = 9090\n", "other.toml")
    assert load_config(other, env={}, cwd=tmp_path).server.port == 9090
    assert "missing.toml: configuration file not found" in refusal(tmp_path / "missing.toml")


def test_wrong_type_names_file_key_and_expectation(tmp_path: Path) -> None:
    path = write(tmp_path, '[server]\nport = "80"\n')
    assert refusal(path) == f"{path}: server.port: expected a valid integer, got '80'"


def test_unknown_key_names_the_keys_that_exist(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nhots = 1\n[sheduler]\n")
    message = refusal(path)
    assert f"{path}: server.hots: unknown key; expected one of: host, port, shutdown_grace_seconds" in message
    assert f"{path}: sheduler: unknown key; expected one of: server, database, slack" in message


def test_an_adapters_section_is_reported_like_the_others(tmp_path: Path) -> None:
    """``[slack]`` and ``[teams]`` are declared by their adapters; the loader reports them the same way."""
    path = write(tmp_path, '[slack]\ncomand = "/x"\n[teams]\napp_password = 123456\n')
    message = refusal(path)
    assert f"{path}: slack.comand: unknown key; expected one of: bot_token, signing_secret," in message
    assert f"{path}: teams.app_password: expected " in message and "123456" not in message


@pytest.mark.parametrize(("text", "key", "expected"), [
    ('[teams]\napp_type = "Multi"', "teams.app_type", "'MultiTenant', 'SingleTenant' or 'UserAssignedMSI'"),
    ("[server]\nport = 70000", "server.port", "less than or equal to 65535"),
    ('[database]\nurl = "mysql://x"', "database.url", "sqlite+aiosqlite:// or postgresql+asyncpg://"),
    ('[slack]\ncommand = "parvis"', "slack.command", "a slash command such as /parvis"),
    ('[roles]\nadmins = ["bob"]', "roles.admins", "'bob' is not one"),
    ('[experts]\nworking_hours = "18:00-09:00"', "experts.working_hours", "start comes before its end"),
    ("[experts]\nmax_hops = 2.5", "experts.max_hops", "a valid integer"),
    ('[experts]\nfallback = ["help desk"]', "experts.fallback", "'help desk' is not one"),
    ("[scheduler]\nenabled = 1", "scheduler.enabled", "a valid boolean"),
    ("[privacy]\nkeep_texts_days = 0", "privacy.keep_texts_days", "greater than or equal to 1"),
    ('[privacy]\nkeep_events_days = "2y"', "privacy.keep_events_days", "a valid integer"),
])
def test_invalid_values_are_refused(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = write(tmp_path, text + "\n")
    message = refusal(path)
    assert message.startswith(f"{path}: {key}: expected ") and expected in message


def test_invalid_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[server]\nport = \n")
    assert re.match(rf"{re.escape(str(path))}: not valid TOML: .*line 2", refusal(path))


def test_environment_secrets_win_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[slack]\nbot_token = "xoxb-file"\n[teams]\napp_id = "file"\n')
    env = {"SLACK_BOT_TOKEN": "xoxb-env", "SLACK_SIGNING_SECRET": "shh", "SLACK_APP_TOKEN": "xapp-1",
           "MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TENANT_ID": "t1",
           "MICROSOFT_APP_TYPE": "SingleTenant", "PARVIS_DATABASE_URL": "postgresql+asyncpg://u@h/db"}
    config = load_config(path, env=env)
    assert config.slack.bot_token is not None and config.slack.bot_token.get_secret_value() == "xoxb-env"
    assert config.slack.signing_secret is not None and config.slack.app_token is not None
    assert config.teams.app_id == "app" and config.teams.tenant_id == "t1"
    assert config.teams.app_type == "SingleTenant"
    assert config.teams.app_password is not None and config.teams.app_password.get_secret_value() == "pw"
    assert config.database.url == "postgresql+asyncpg://u@h/db"
    assert config.slack.configured and config.teams.configured
    assert "xoxb-env" not in repr(config)


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    message = refusal(None, env={"MICROSOFT_APP_TYPE": "Nope"}, cwd=tmp_path)
    assert message.startswith("environment variable MICROSOFT_APP_TYPE: teams.app_type: expected")


def test_a_secret_of_the_wrong_type_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "[slack]\nsigning_secret = 12345678\n")
    message = refusal(path)
    assert "slack.signing_secret" in message and "12345678" not in message


def test_the_fallback_contacts_are_kept_in_order() -> None:
    config = Config.model_validate({"experts": {"fallback": [" Lead@Example.com", "b@example.com",
                                                             "lead@example.com"]}})
    assert config.settings().experts.fallback == ("lead@example.com", "b@example.com")


def test_working_hours_and_role_grants() -> None:
    assert [str(t) for t in parse_working_hours(" 9:00 - 18:30 ")] == ["09:00:00", "18:30:00"]
    with pytest.raises(ValueError):
        parse_working_hours("25:00-26:00")
    config = Config.model_validate({"roles": {"admins": ["Ana@Example.com"], "referents": ["b@x.org"]},
                                    "experts": {"working_hours": "08:00-17:00"}})
    assert config.roles.grants() == [("ana@example.com", "admin"), ("b@x.org", "referent")]
    assert config.experts.working_hours_range is not None


def _example_keys() -> dict[str, set[str]]:
    """Keys written in the example, commented out or not, per section."""
    keys: dict[str, set[str]] = {}
    section = ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        header = re.fullmatch(r"\[(\w+)\]", line.strip())
        if header:
            section = header[1]
            keys[section] = set()
        elif match := re.match(r"#?\s*(\w+)\s*=", line):
            keys.setdefault(section, set()).add(match[1])
    return keys


def test_example_documents_every_key() -> None:
    documented = _example_keys()
    for name, field in Config.model_fields.items():
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, BaseModel)
        missing = set(section.model_fields) - documented.get(name, set())
        assert not missing, f"config.example.toml lacks [{name}] {sorted(missing)}"
    assert set(documented) - {""} == set(Config.model_fields)


def test_example_holds_the_defaults_and_its_commented_keys_are_valid(tmp_path: Path) -> None:
    assert load_config(EXAMPLE, env={}) == Config()
    uncommented = re.sub(r"(?m)^# (\w+ = )", r"\1", EXAMPLE.read_text(encoding="utf-8"))
    config = load_config(write(tmp_path, uncommented), env={})
    assert config.slack.configured and config.teams.openid_metadata_url


def test_the_core_s_defaults_are_the_documented_ones(tmp_path: Path) -> None:
    """The core states its defaults once (``core.settings``); the example file documents the same."""
    assert load_config(EXAMPLE, env={}).settings() == Settings() == Config().settings()
    text = ('[scheduler]\ndispatch_concurrency = 2\n[i18n]\ndefault_locale = "fr"\n'
            '[experts]\nmax_hops = 5\nworking_hours = "08:00-12:00"\n')
    config = load_config(write(tmp_path, text), env={})
    assert config.settings() == Settings(
        i18n=I18nSettings(default_locale="fr"), scheduler=SchedulerSettings(dispatch_concurrency=2),
        experts=ExpertSettings(max_hops=5, working_hours=(time(8), time(12))))


def test_cli_reports_a_bad_configuration_with_exit_status_2(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[database]\nurl = 3\n')
    assert main(["db", "upgrade", "--config", str(path)]) == 2
    assert f"{path}: database.url: expected a valid string, got 3" in capsys.readouterr().err
