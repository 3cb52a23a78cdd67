"""The usage charter: its text in each language, its version, and who accepted which version.

The charter is data (``prompts/charter/en.md`` and ``fr.md``, or the organisation's own under
``[governance] charter_dir``): a TOML header between ``+++`` lines (``version``, ``title``), then the
text in the catalogs' neutral markup (``core.markup``). Both languages must carry the same version:
the version is what a member accepts, and a new one asks everyone again (``needs_acceptance``).

Why the version lives in the files rather than in the configuration: whoever changes the text is the
one who knows whether the change is one of substance, and the version travels with the text it names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from sqlalchemy import or_, update
from sqlmodel import col, func, select

from core.activity import audit
from core.directory.models import Member
from core.errors import ConfigError
from core.i18n import LOCALES, normalise_locale
from core.runtime.db import Database, UnitOfWork

FENCE = "+++"
MAX_VERSION = 32


@dataclass(frozen=True)
class CharterText:
    """The charter in one language."""

    title: str
    body: str


@dataclass(frozen=True)
class Charter:
    """Every language's text, and the one version they share."""

    version: str
    texts: dict[str, CharterText]

    def text(self, locale: str) -> CharterText:
        return self.texts[normalise_locale(locale)]


def _parse(name: str, content: str) -> tuple[str, CharterText]:
    """``(version, text)`` of one file; ``ConfigError`` naming the file and what is wrong."""
    lines = content.lstrip("\ufeff").splitlines()
    fences = [n for n, line in enumerate(lines) if line.strip() == FENCE]
    end = fences[1] if len(fences) > 1 and fences[0] == 0 else -1
    if end < 0:
        raise ConfigError(f"{name}: expected a header between two '{FENCE}' lines (version, title) "
                          "before the charter's text")
    try:
        header = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: its header is not valid TOML: {exc}") from exc
    version, title = header.get("version"), header.get("title")
    if not isinstance(version, str) or not version.strip() or len(version) > MAX_VERSION:
        raise ConfigError(f"{name}: version: expected a non-empty string of at most {MAX_VERSION} "
                          f"characters, such as \"2\", got {version!r}")
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(f"{name}: title: expected the charter's title, got {title!r}")
    body = "\n".join(lines[end + 1:]).strip()
    if not body:
        raise ConfigError(f"{name}: the charter's text is empty")
    return version.strip(), CharterText(title.strip(), body)


def _source(directory: str | None) -> Traversable:
    if directory is None:
        return resources.files("prompts").joinpath("charter")
    return Path(directory)


@lru_cache(maxsize=4)
def load(directory: str | None = None) -> Charter:
    """The charter of ``directory`` (``None``: the one shipped with Parvis), read once per process;
    ``ConfigError`` when a language is missing or malformed, or the languages' versions differ."""
    source, versions, texts = _source(directory), {}, {}
    for locale in LOCALES:
        name = f"{directory or 'prompts/charter'}/{locale}.md"
        try:
            content = source.joinpath(f"{locale}.md").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{name}: cannot be read ({exc}); the charter needs one file per "
                              f"language: {', '.join(f'{code}.md' for code in LOCALES)}") from exc
        versions[locale], texts[locale] = _parse(name, content)
    if len(set(versions.values())) > 1:
        found = ", ".join(f"{locale}.md: {version!r}" for locale, version in versions.items())
        raise ConfigError(f"{directory or 'prompts/charter'}: every language must carry the same "
                          f"version ({found})")
    return Charter(versions[LOCALES[0]], texts)


def needs_acceptance(accepted: str | None, charter: Charter) -> bool:
    """Whether a member who accepted version ``accepted`` must accept the charter (again)."""
    return accepted != charter.version


async def accept(uow: UnitOfWork, member_id: int, version: str, now: datetime) -> bool:
    """Record that the member accepts ``version``; ``False`` when they had already. Audited: the
    trail keeps every acceptance, with its version, after a later one replaced it on the member."""
    member = await uow.session.get(Member, member_id)
    assert member is not None
    if member.charter_version == version:
        return False
    member.charter_version, member.charter_accepted_at = version, now
    uow.session.add(member)
    audit.record(uow, member_id, "charter.accept", "charter", {"version": version}, at=now)
    return True


async def accepted_by_everyone(db: Database, version: str, now: datetime) -> int:
    """Mark every member as having accepted ``version``, without an audit entry; how many changed.

    Only for a made-up organisation (``parvis demo``), whose people are to try Parvis at once: real
    members accept for themselves (``accept``), and the trail keeps each acceptance."""
    async with db.uow() as uow:
        version_column = col(Member.charter_version)
        statement = (update(Member).where(or_(version_column.is_(None), version_column != version))
                     .values(charter_version=version, charter_accepted_at=now)
                     .execution_options(synchronize_session=False))
        changed = int(getattr(await uow.session.exec(statement), "rowcount", 0) or 0)
        await uow.commit()
    return changed


async def mark_shown(uow: UnitOfWork, member_id: int, version: str) -> None:
    """Remember that the member was shown ``version`` in full in place of a command."""
    member = await uow.session.get(Member, member_id)
    assert member is not None
    member.charter_shown = version
    uow.session.add(member)


@dataclass(frozen=True)
class Acceptance:
    """One member and the charter version they accepted (``None``: none yet)."""

    name: str
    version: str | None
    accepted_at: datetime | None


@dataclass(frozen=True)
class Standing:
    """Who accepted which version: counts by version, and the latest acceptances."""

    members: int
    by_version: dict[str | None, int]
    latest: list[Acceptance]


async def standing(uow: UnitOfWork, latest: int = 20) -> Standing:
    """Counts of members (not erased) by accepted version, and the ``latest`` who accepted."""
    live = col(Member.erased_at).is_(None)
    counts = await uow.session.exec(select(Member.charter_version, func.count()).where(live)
                                    .group_by(col(Member.charter_version)))
    by_version = {version: int(count) for version, count in counts.all()}
    rows = await uow.session.exec(
        select(Member).where(live, col(Member.charter_version).is_not(None))
        .order_by(col(Member.charter_accepted_at).desc(), col(Member.id).desc()).limit(latest))
    found = [Acceptance(member.display_name or member.email or f"#{member.id}", member.charter_version,
                        member.charter_accepted_at) for member in rows.all()]
    return Standing(sum(by_version.values()), by_version, found)
