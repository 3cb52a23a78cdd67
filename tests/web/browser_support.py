"""Shared by the browser tests: Debian's Chromium through Playwright, axe-core from the npm registry,
and screenshots kept as test artefacts.

axe-core is installed once with ``npm install axe-core`` into ``tests/.cache/axe`` (git ignores it);
without npm the accessibility check is skipped, saying so. Screenshots go to
``$PARVIS_WEB_ARTEFACTS`` when set (CI keeps them), else to the test's temporary directory.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image as Picture

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "axe"
AXE = CACHE / "node_modules" / "axe-core" / "axe.min.js"
#: the impacts that fail a page
BLOCKING = frozenset({"serious", "critical"})


def axe_script() -> Path | None:
    """axe-core's script, installed from the npm registry on first use; ``None`` without npm."""
    if AXE.is_file():
        return AXE
    npm = shutil.which("npm")
    if npm is None:
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(CACHE),
                    "axe-core@4"], check=True, timeout=300, capture_output=True)
    return AXE if AXE.is_file() else None


def artefacts(tmp_path: Path) -> Path:
    where = Path(os.environ.get("PARVIS_WEB_ARTEFACTS") or tmp_path / "screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


def not_blank(png: bytes) -> bool:
    """Whether a screenshot holds something: a fair share of pixels that are not the background."""
    picture = Picture.open(io.BytesIO(png)).convert("RGB")
    colours = picture.getcolors(1 << 24) or []
    background = max(colours)[1] if colours else (255, 255, 255)
    inked = sum(n for n, colour in colours if colour != background)
    return len(colours) > 10 and inked > 0.01 * picture.size[0] * picture.size[1]


class Looker:
    """Saves a screenshot of each page visited and runs axe-core on it."""

    def __init__(self, where: Path, axe: Path | None) -> None:
        self.where, self.axe, self.seen = where, axe, []  # type: list[str]

    async def look(self, page: Any, name: str) -> None:
        png = await page.screenshot(full_page=True)
        (self.where / f"{name}.png").write_bytes(png)
        assert not_blank(png), f"the screenshot of {name} is blank"
        self.seen.append(name)
        if self.axe is None:
            return
        await page.add_script_tag(path=str(self.axe))
        found = await page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
        blocking = [v for v in found if v["impact"] in BLOCKING]
        assert blocking == [], f"{name}: {blocking}"


def need_chromium() -> None:
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine: `apt-get install -y chromium` (.ci/run installs it)")
