"""The core stays platform-agnostic, and the package installs its ``parvis`` command."""

from __future__ import annotations

import ast
import sys
from importlib.metadata import distribution
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "aiohttp")


def imported_modules(source: str) -> set[str]:
    """Every module an import statement names (``import a.b``, ``from a.b import c``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def forbidden_in(source: str) -> set[str]:
    return {name for name in imported_modules(source) if name.split(".")[0] in FORBIDDEN}


def test_the_check_sees_every_form_of_import() -> None:
    source = ("import aiohttp.web\nfrom slack_sdk.web import WebClient\nimport os, botbuilder.core as b\n"
              "def f():\n    from botframework.connector import auth\n"
              "from slack_boltish import x\nfrom . import aiohttp\n")
    assert forbidden_in(source) == {"aiohttp.web", "slack_sdk.web", "botbuilder.core",
                                    "botframework.connector"}


def test_core_imports_no_platform_or_http_library() -> None:
    files = sorted((ROOT / "core").rglob("*.py"))
    assert len(files) > 10
    offenders = {str(path.relative_to(ROOT)): sorted(found) for path in files
                 if (found := forbidden_in(path.read_text(encoding="utf-8")))}
    assert offenders == {}


def test_parvis_console_script_is_installed() -> None:
    scripts = {entry.name: entry.value for entry in distribution("parvis").entry_points
               if entry.group == "console_scripts"}
    assert scripts.get("parvis") == "bots.cli:main"
    assert (Path(sys.executable).parent / "parvis").is_file()
