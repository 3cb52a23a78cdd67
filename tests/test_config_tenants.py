"""``[teams] allowed_tenants`` and ``[slack] allowed_teams`` (issue 12, finding 2): a multi-tenant Teams
registration without its list of tenants, or an empty list, stops the start with a message naming the
key; a single-tenant one defaults to its own tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.config import load_config
from core.errors import ConfigError

TEAMS = '[teams]\napp_id = "00000000-0000-0000-0000-0000000000b1"\n'


def refusal(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    path = tmp_path / "parvis.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    return str(caught.value)


@pytest.mark.parametrize("extra", ["", "allowed_tenants = []\n", 'allowed_tenants = [""]\n'],
                         ids=["missing", "empty", "blank"])
def test_multi_tenant_needs_an_explicit_list_of_tenants(tmp_path: Path, extra: str) -> None:
    message = refusal(tmp_path, TEAMS + extra)
    assert message.startswith(f"{tmp_path / 'parvis.toml'}: teams.allowed_tenants: expected ")
    assert "MultiTenant" in message and "tenant id" in message


def test_multi_tenant_from_the_environment_is_refused_too(tmp_path: Path) -> None:
    message = refusal(tmp_path, "", env={"MICROSOFT_APP_ID": "app"})
    assert "teams.allowed_tenants" in message


def test_multi_tenant_with_its_tenants_and_single_tenant_without_a_list(tmp_path: Path) -> None:
    path = tmp_path / "parvis.toml"
    path.write_text(TEAMS + 'allowed_tenants = ["t1", "t2"]\n', encoding="utf-8")
    assert load_config(path, env={}).teams.allowed_tenants == ["t1", "t2"]
    path.write_text(TEAMS + 'app_type = "SingleTenant"\ntenant_id = "t1"\n', encoding="utf-8")
    assert load_config(path, env={}).teams.allowed_tenants is None  # the adapter serves [tenant_id]
    assert load_config(None, env={}, cwd=tmp_path / "nowhere").teams.allowed_tenants is None


@pytest.mark.parametrize("value", ["[]", '[""]', '["T1", " "]'])
def test_slack_allowed_teams_is_a_non_empty_list_when_given(tmp_path: Path, value: str) -> None:
    message = refusal(tmp_path, f"[slack]\nallowed_teams = {value}\n")
    assert "slack.allowed_teams: expected " in message and "auth.test" in message


def test_slack_allowed_teams_defaults_to_the_workspace_of_the_token(tmp_path: Path) -> None:
    assert load_config(None, env={}, cwd=tmp_path).slack.allowed_teams is None
