"""The privacy rights in the console: the export written to a file only its owner may read, the
erasure confirmed with the numbered button, and the chat refused afterwards to the erased address."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bots.cli import main
from tests.test_console import chat_in_process

PEOPLE = ("email,name,title,department,location,timezone,locale,skills,roles\n"
          "ada@example.com,Ada Lovelace,Analyst,Research,London,Europe/London,en,mathematics,\n")


def test_export_to_a_private_file_then_erase_then_the_chat_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "parvis.toml").write_text('[database]\nurl = "sqlite+aiosqlite:///parvis.db"\n')
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["directory", "import", "people.csv"]) == 0
    capsys.readouterr()
    status, out, err = chat_in_process(["chat", "--as", "ada@example.com", "--no-worker"],
                                       "privacy export\nprivacy delete\n1\n", monkeypatch, capsys)
    assert status == 0, err
    (line,) = [line for line in out.splitlines() if line.startswith("File, readable by you only: ")]
    path = Path(line.removeprefix("File, readable by you only: "))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["sections"]["member"]["rows"][0]["display_name"] == "Ada Lovelace"
    assert "[1] Erase my data" in out and "Your personal data is erased" in out
    status, out, err = chat_in_process(["chat", "--as", "ada@example.com"], "", monkeypatch, capsys)
    assert status != 0 and "The data of ada@example.com was erased at their request" in err
