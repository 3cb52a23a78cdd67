"""The Teams app package (``parvis teams package``): a zip ready to side-load or upload to a tenant.

It holds ``manifest.json`` (schema 1.24), ``color.png`` (192×192, full colour) and ``outline.png``
(32×32, white on transparent) at its root, as Teams requires. The icons are drawn here with a tiny
PNG writer (a ring and a dot: Parvis' "square where people meet"), so the package needs no binary
files in the repository. The bot is offered in personal chats, teams and group chats, with the main
commands as suggestions (``commandLists``; at most 10 per list), and one message action, "Report to
moderators" (``composeExtensions``), in every message's ⋯ menu.

Its words come from the catalogs, as the Slack manifest's do: ``manifest.json`` is in English (the
``defaultLanguageTag``) and every other catalog language gets a localisation file at the zip's root
(``fr.json``), listed in ``localizationInfo.additionalLanguages``, for Teams clients set to that
language. Command titles stay as typed: they are what the bot receives, and the grammar is the
same in every language; only their descriptions are translated.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import OperatorError
from core.i18n import DEFAULT_LOCALE, LOCALES, Translator

MANIFEST_VERSION = "1.24"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
LOCALISATION_SCHEMA = (f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
                       "MicrosoftTeams.Localization.schema.json")
NAME = "Parvis"
ACCENT = (0x2E, 0x5E, 0x8C)
SCOPES = ["personal", "team", "groupChat"]
#: (title as typed, catalog key of its description) — the suggestions Teams shows in the compose box.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("help", "summary.help"),
    ("group list", "summary.group.list"),
    ("group join", "summary.group.join"),
    ("group create", "summary.group.create"),
    ("expert find", "summary.expert.find"),
    ("expert add", "summary.expert.add"),
    ("ask", "summary.ask"),
    ("campaign list", "summary.campaign.list"),
    ("campaign new", "summary.campaign.new"),
    ("lang", "summary.lang"),
)


#: the "Report to moderators" message action (``composeExtensions``): its command id, and its words:
#: localisation key → catalog key
REPORT_ACTION = "parvis.report"
REPORT_WORDS: tuple[tuple[str, str, int], ...] = (
    ("composeExtensions[0].commands[0].title", "moderation.shortcut_name", 32),
    ("composeExtensions[0].commands[0].description", "moderation.shortcut_description", 128),
    ("composeExtensions[0].commands[0].parameters[0].title", "moderation.reason_title", 32),
    ("composeExtensions[0].commands[0].parameters[0].description", "moderation.reason_description", 128),
)


class PackageError(OperatorError):
    """The app id or URL cannot go into a manifest; the message says what was expected."""


def manifest(app_id: str, url: str, *, version: str = "1.0.0", privacy_url: str | None = None,
             terms_url: str | None = None) -> dict[str, Any]:
    """The manifest for the bot registered as ``app_id`` and served at ``url`` (https); its privacy and terms
    links are the pages Parvis serves there (``/privacy``, ``/terms``) unless others are given."""
    app_id = _guid(app_id)
    host = _host(url)
    base = url.rstrip("/")
    words = texts(DEFAULT_LOCALE)
    commands = [{"title": title, "description": words[_command_key(n)]}
                for n, (title, _) in enumerate(COMMANDS)]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {"name": "Parvis", "websiteUrl": base, "privacyUrl": privacy_url or f"{base}/privacy",
                      "termsOfUseUrl": terms_url or f"{base}/terms"},
        "name": {"short": words["name.short"], "full": words["name.full"]},
        "description": {"short": words["description.short"], "full": words["description.full"]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": app_id,
            "scopes": SCOPES,
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [{"scopes": SCOPES, "commands": commands}],
        }],
        "composeExtensions": [{"botId": app_id, "commands": [_report_action(words)]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        "localizationInfo": {"defaultLanguageTag": DEFAULT_LOCALE, "additionalLanguages": [
            {"languageTag": locale, "file": f"{locale}.json"} for locale in _other_locales()]},
    }


def texts(locale: str) -> dict[str, str]:
    """The manifest's words in ``locale``, keyed as a Teams localisation file keys them."""
    t = Translator(locale, plain=True)
    words = {"name.short": NAME, "name.full": _short(t("teams.package.name_full"), 100),
             "description.short": _short(t("teams.package.description_short"), 80),
             "description.full": _short(t("teams.package.description_full"), 4000)}
    for n, (_, key) in enumerate(COMMANDS):
        words[_command_key(n)] = _short(t(key), 128)
    for where, key, limit in REPORT_WORDS:
        words[where] = _short(t(key), limit)
    return words


def _report_action(words: dict[str, str]) -> dict[str, Any]:
    """"Report to moderators" in a message's ⋯ menu: Teams asks for the reason (a static parameter,
    no ``fetchTask``) and sends ``composeExtension/submitAction`` with the message
    (``adapters.teams.turns``)."""
    prefix = "composeExtensions[0].commands[0]."
    return {"id": REPORT_ACTION, "type": "action", "context": ["message"], "fetchTask": False,
            "title": words[prefix + "title"], "description": words[prefix + "description"],
            "parameters": [{"name": "reason", "inputType": "textarea",
                            "title": words[prefix + "parameters[0].title"],
                            "description": words[prefix + "parameters[0].description"]}]}


def localisation(locale: str) -> dict[str, Any]:
    """The localisation file of ``locale`` (``fr.json``): the manifest's words in that language."""
    return {"$schema": LOCALISATION_SCHEMA, "manifestVersion": MANIFEST_VERSION, **texts(locale)}


def _command_key(n: int) -> str:
    return f"bots[0].commandLists[0].commands[{n}].description"


def _other_locales() -> list[str]:
    return [locale for locale in LOCALES if locale != DEFAULT_LOCALE]


def write_package(*, app_id: str, url: str, out: str | Path, privacy_url: str | None = None,
                  terms_url: str | None = None) -> Path:
    """Write the zip to ``out`` and return its path."""
    path = Path(out)
    content = json.dumps(manifest(app_id, url, privacy_url=privacy_url, terms_url=terms_url), indent=2,
                         ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", content)
        for locale in _other_locales():
            archive.writestr(f"{locale}.json", json.dumps(localisation(locale), indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return path


def _guid(app_id: str) -> str:
    try:
        return str(uuid.UUID(app_id.strip()))
    except ValueError as exc:
        raise PackageError(f"--app-id must be the bot's Microsoft App ID (a GUID), not {app_id!r}") from exc


def _host(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname or not re.fullmatch(r"[A-Za-z0-9.-]+", parts.hostname):
        raise PackageError(f"--url must be the public https:// address of Parvis, not {url!r}")
    return parts.hostname


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- a tiny PNG writer (RGBA, 8 bits) -----------------------------------------------------------

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Any) -> bytes:
    """A PNG of ``pixel(x, y) -> (r, g, b, a)``."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def _mark(size: int, x: int, y: int) -> bool:
    """The logo: a ring with a dot in its middle, scaled to ``size``."""
    centre = (size - 1) / 2
    distance: float = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5  # a real root: the sum is >= 0
    return 0.28 * size <= distance <= 0.40 * size or distance <= 0.12 * size


def color_icon(size: int = 192) -> bytes:
    """Full colour: the white mark on the accent colour."""
    white: Pixel = (255, 255, 255, 255)
    accent: Pixel = (*ACCENT, 255)
    return png(size, size, lambda x, y: white if _mark(size, x, y) else accent)


def outline_icon(size: int = 32) -> bytes:
    """White on transparent, as Teams requires for the outline icon."""
    return png(size, size, lambda x, y: (255, 255, 255, 255) if _mark(size, x, y) else (0, 0, 0, 0))
