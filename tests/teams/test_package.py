"""The Teams app package: manifest fields and icon sizes as Teams requires them (apps-package.md)."""

from __future__ import annotations

import json
import re
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest

from adapters.teams.package import PackageError, manifest, write_package
from bots.cli import main
from core.i18n import t

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def decode_png(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and RGBA pixels of an 8-bit RGBA, non-interlaced PNG with filter 0 rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        body = data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, interlace) == (8, 6, 0)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + width * 4
    pixels = []
    for y in range(height):
        row = raw[y * stride:(y + 1) * stride]
        assert row[0] == 0
        pixels += [tuple(row[1 + x * 4:5 + x * 4]) for x in range(width)]
    return width, height, pixels


@pytest.fixture
def package(tmp_path: Path) -> zipfile.ZipFile:
    path = write_package(app_id=APP_ID, url="https://parvis.example.com/", out=tmp_path / "p.zip")
    return zipfile.ZipFile(path)


def test_package_holds_manifest_icons_and_translations_at_its_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "fr.json", "manifest.json", "outline.png"]


def test_words_come_from_the_catalogs_in_english_and_french(package: zipfile.ZipFile) -> None:
    """As the Slack manifest's: the manifest in English, a localisation file per other language."""
    data = json.loads(package.read("manifest.json"))
    assert data["localizationInfo"] == {"defaultLanguageTag": "en",
                                        "additionalLanguages": [{"languageTag": "fr", "file": "fr.json"}]}
    assert data["description"]["short"] == t("en", "teams.package.description_short")
    assert data["name"]["full"] == t("en", "teams.package.name_full")
    french = json.loads(package.read("fr.json"))
    assert french["$schema"].endswith(f"/v{data['manifestVersion']}/MicrosoftTeams.Localization.schema.json")
    assert french["manifestVersion"] == data["manifestVersion"]
    assert french["description.full"] == t("fr", "teams.package.description_full")
    assert len(french["description.short"]) <= 80 and len(french["name.full"]) <= 100
    commands = data["bots"][0]["commandLists"][0]["commands"]
    for n, command in enumerate(commands):
        described = french[f"bots[0].commandLists[0].commands[{n}].description"]
        assert 0 < len(described) <= 128 and described != command["description"]
        assert f"bots[0].commandLists[0].commands[{n}].title" not in french  # typed as in English
    assert commands[0] == {"title": "help", "description": t("en", "summary.help")}
    assert french["bots[0].commandLists[0].commands[0].description"] == t("fr", "summary.help")


def test_manifest_has_the_fields_teams_requires(package: zipfile.ZipFile) -> None:
    data = json.loads(package.read("manifest.json"))
    required = ("manifestVersion", "version", "id", "developer", "name", "description", "icons",
                "accentColor")
    for key in required:
        assert key in data, key
    assert data["$schema"].endswith(f"/v{data['manifestVersion']}/MicrosoftTeams.schema.json")
    assert re.fullmatch(r"\d+\.\d+\.\d+", data["version"]) and str(uuid.UUID(data["id"])) == APP_ID
    links = ("websiteUrl", "privacyUrl", "termsOfUseUrl")
    assert all(data["developer"][k].startswith("https://") for k in links)
    assert data["developer"]["name"] and len(data["name"]["short"]) <= 30 and len(data["name"]["full"]) <= 100
    assert len(data["description"]["short"]) <= 80 and len(data["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-F]{6}", data["accentColor"])
    assert data["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert data["validDomains"] == ["parvis.example.com"]


def test_bot_scopes_and_command_lists(package: zipfile.ZipFile) -> None:
    (bot,) = json.loads(package.read("manifest.json"))["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert 1 <= len(bot["commandLists"]) <= 2
    commands = bot["commandLists"][0]["commands"]
    assert 1 <= len(commands) <= 10
    assert {"help", "group list", "ask", "expert find"} <= {c["title"] for c in commands}
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128 for c in commands)


def test_icons_have_the_required_sizes_and_colours(package: zipfile.ZipFile) -> None:
    width, height, pixels = decode_png(package.read("color.png"))
    assert (width, height) == (192, 192) and all(p[3] == 255 for p in pixels)
    assert len(set(pixels)) > 1
    width, height, pixels = decode_png(package.read("outline.png"))
    assert (width, height) == (32, 32)
    assert set(pixels) == {(255, 255, 255, 255), (0, 0, 0, 0)}  # white on transparent, nothing else


@pytest.mark.parametrize("app_id, url", [("not-a-guid", "https://x.example.com"),
                                         (APP_ID, "http://x.example.com"), (APP_ID, "parvis")])
def test_bad_app_id_or_url_is_refused(app_id: str, url: str) -> None:
    with pytest.raises(PackageError):
        manifest(app_id, url)


def test_command_line_writes_the_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "parvis-teams.zip"
    common = ["teams", "package", "--url", "https://parvis.example.com", "--out", str(out),
              "--config", str(tmp_path / "none.toml")]
    (tmp_path / "none.toml").write_text("")
    assert main([*common, "--app-id", APP_ID]) == 0
    assert sorted(zipfile.ZipFile(out).namelist()) == ["color.png", "fr.json", "manifest.json", "outline.png"]
    capsys.readouterr()
    assert main([*common, "--app-id", "x"]) == 2
    assert "GUID" in capsys.readouterr().err
    assert main(common) == 2  # no --app-id and none configured


def test_privacy_and_terms_links_are_parvis_pages_or_the_configured_ones(tmp_path: Path) -> None:
    data = manifest(APP_ID, "https://parvis.example.com/")
    assert data["developer"]["privacyUrl"] == "https://parvis.example.com/privacy"
    assert data["developer"]["termsOfUseUrl"] == "https://parvis.example.com/terms"
    config = '[web]\nprivacy_url = "https://intranet.example.com/privacy"\nterms_url = "https://intranet.example.com/terms"\n'
    (tmp_path / "parvis.toml").write_text(config, encoding="utf-8")
    out = tmp_path / "p.zip"
    assert main(["teams", "package", "--config", str(tmp_path / "parvis.toml"), "--app-id", APP_ID,
                 "--url", "https://parvis.example.com", "--out", str(out)]) == 0
    developer = json.loads(zipfile.ZipFile(out).read("manifest.json"))["developer"]
    assert developer["privacyUrl"] == "https://intranet.example.com/privacy"
    assert developer["termsOfUseUrl"] == "https://intranet.example.com/terms"
