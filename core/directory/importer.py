"""The directory import (``parvis directory import FILE.csv``, DESIGN.md §4).

Header ``email,name,title,department,location,timezone,locale,skills,roles`` (any column order);
``skills`` and ``roles`` are ``;``-separated. Each row is an idempotent upsert by e-mail (lower-cased):
importing the same file twice changes nothing the second time. A bad row is reported with its line
number and reason and skipped; the others are imported. A member holding the ``referent`` role (from
the file or already; admins hold every role) becomes referent for the skills on their row, as ``expert
add`` makes a referent referent for the skills they add. Roles and skills are only ever *added*: a role
or skill missing from the file is not taken away (people gain skills in chat with ``expert add``, roles
with ``role grant``; removing is a deliberate act, not a side effect of an export that forgot a column).

Rows are streamed and committed in batches, so a file of any size runs in constant memory and a crash
loses at most one batch (re-running the import is safe). The core reads an already opened text stream;
opening the file is the caller's business.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlmodel import col, select

from core.activity import audit
from core.directory.erased import erased_among
from core.directory.models import ROLES, Member, MemberRole
from core.directory.skills import MAX_SKILL_NAME, add_expert_skills_many
from core.errors import InvalidInput
from core.i18n import LOCALES, Translator
from core.ports import Clock, SystemClock
from core.runtime.db import Database, UnitOfWork
from core.settings import I18nSettings
from core.text import clean, is_email, shorten

COLUMNS: tuple[str, ...] = ("email", "name", "title", "department", "location", "timezone", "locale",
                            "skills", "roles")
TEXT_LIMITS = {"name": 200, "title": 200, "department": 200, "location": 200}
MAX_EMAIL = 320
BATCH_SIZE = 200
REFERENT_ROLES: tuple[str, ...] = ("referent", "admin")


@dataclass(frozen=True)
class RowError:
    """Why the row starting at ``line`` (1-based, the header is line 1) was not imported."""

    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class PersonRow:
    """One valid row, normalised."""

    line: int
    email: str
    name: str
    title: str
    department: str
    location: str
    timezone: str | None
    locale: str | None
    skills: tuple[str, ...]
    roles: tuple[str, ...]


def describe(report: ImportReport, t: Translator) -> tuple[str, list[str]]:
    """The summary line and one line per rejected row, in the reader's language."""
    summary = t("importer.summary", created=report.created, updated=report.updated,
                unchanged=report.unchanged, rejected=len(report.errors))
    return summary, [t("importer.row_error", line=e.line, reason=t(e.key, **e.params)) for e in report.errors]


def _delimiter(header_line: str) -> str:
    """``,`` as the contract says, or ``;`` for spreadsheets saved in a French locale."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header(row: list[str]) -> list[str]:
    names = [name.strip().lstrip("\ufeff").strip().lower() for name in row]
    missing = [name for name in COLUMNS if name not in names]
    extra = [name or '""' for name in names if name not in COLUMNS]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if missing or extra or duplicated:
        raise InvalidInput("importer.bad_header", expected=",".join(COLUMNS),
                           missing=", ".join(missing) or "—", extra=", ".join(extra + duplicated) or "—")
    return names


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in value.split(";") if part.strip()))


def _check_text(values: dict[str, str]) -> None:
    if not values["name"]:
        raise InvalidInput("importer.row_no_name")
    for column, limit in TEXT_LIMITS.items():
        if len(values[column]) > limit:
            raise InvalidInput("importer.row_too_long", column=column, limit=limit)


@cache
def _zones() -> dict[str, str]:
    """Lower-cased IANA zone name → its proper spelling (``europe/paris`` → ``Europe/Paris``)."""
    return {name.lower(): name for name in available_timezones() if name != "localtime"}


def _timezone(value: str) -> str | None:
    """An IANA zone from the time-zone database; any other text (``localtime``, a path) is refused."""
    if not value:
        return None
    zone = _zones().get(value.lower())
    if zone is None:
        raise InvalidInput("importer.row_bad_timezone", value=shorten(value, 60))
    return zone


def _locale(value: str) -> str | None:
    if not value:
        return None
    short = value.lower().replace("_", "-").split("-", 1)[0]
    if short not in LOCALES:
        raise InvalidInput("importer.row_bad_locale", value=shorten(value, 60), choices=", ".join(LOCALES))
    return short


def _roles(value: str) -> tuple[str, ...]:
    roles = tuple(role.lower() for role in _split(value))
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise InvalidInput("importer.row_bad_role", value=shorten(", ".join(unknown), 60),
                           choices=", ".join(ROLES))
    return tuple(role for role in roles if role != "member")  # "member" is implicit, never stored


def _skills(value: str) -> tuple[str, ...]:
    skills = _split(value)
    for skill in skills:
        if len(skill) > MAX_SKILL_NAME:
            raise InvalidInput("importer.row_skill_too_long", limit=MAX_SKILL_NAME)
    return skills


def parse_row(line: int, header: list[str], cells: list[str]) -> PersonRow:
    """A valid ``PersonRow``, or ``InvalidInput`` naming what is wrong with the row."""
    if len(cells) != len(header):
        raise InvalidInput("importer.row_field_count", found=len(cells), expected=len(header))
    values = {name: clean(cell) for name, cell in zip(header, cells, strict=True)}
    email = values["email"].lower()
    if not is_email(email) or len(email) > MAX_EMAIL:
        raise InvalidInput("importer.row_bad_email", value=shorten(values["email"], 60))
    _check_text(values)
    return PersonRow(line=line, email=email, name=values["name"], title=values["title"],
                     department=values["department"], location=values["location"],
                     timezone=_timezone(values["timezone"]), locale=_locale(values["locale"]),
                     skills=_skills(values["skills"]), roles=_roles(values["roles"]))


def read_rows(lines: Iterable[str], report: ImportReport) -> Iterator[PersonRow]:
    """Valid rows of a CSV text, one at a time; bad rows go to ``report.errors``.

    ``lines`` should come from a file opened with ``newline=""`` (so quoted fields may hold line
    breaks); a leading byte-order mark is tolerated either way.
    """
    stream = iter(lines)
    first = next(stream, None)
    if first is None:
        raise InvalidInput("importer.empty_file", expected=",".join(COLUMNS))
    reader = csv.reader(_chain(first, stream), delimiter=_delimiter(first))
    header = _header(next(reader))
    seen: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a field over csv's size limit: skip the record, keep going
            report.errors.append(RowError(line, "importer.row_unreadable"))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        try:
            row = parse_row(start, header, cells)
            if row.email in seen:
                raise InvalidInput("importer.row_duplicate", email=row.email, first=seen[row.email])
        except InvalidInput as error:
            report.errors.append(RowError(start, error.key, error.params))
            continue
        seen[row.email] = start
        yield row


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _batches(rows: Iterator[PersonRow], size: int) -> Iterator[list[PersonRow]]:
    batch: list[PersonRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def import_directory(db: Database, lines: Iterable[str], *, clock: Clock | None = None,
                           default_locale: str = I18nSettings.default_locale,
                           batch_size: int = BATCH_SIZE, secrets: tuple[str, ...] = ()) -> ImportReport:
    """Upsert every valid row of the CSV text ``lines``; raises ``InvalidInput`` for a bad header.

    ``secrets`` (``SecuritySettings.keys``) recognise the addresses of members erased at their request
    (``core.directory.erased``): their rows are refused, not imported as new people.

    Each batch is one transaction: rows before a failure stay imported, and importing again is safe.
    A file that is not UTF-8 stops the import at the first undecodable batch with ``importer.not_utf8``.
    """
    report = ImportReport()
    clock = clock or SystemClock()
    try:
        for batch in _batches(read_rows(lines, report), batch_size):
            async with db.uow() as uow:
                await _write_batch(uow, batch, report, clock.now(), default_locale, secrets)
                await uow.commit()
    except UnicodeDecodeError as exc:
        raise InvalidInput("importer.not_utf8", done=report.created + report.updated
                           + report.unchanged) from exc
    return report


async def _write_batch(uow: UnitOfWork, batch: list[PersonRow], report: ImportReport, now: datetime,
                       default_locale: str, secrets: tuple[str, ...]) -> None:
    """Members first (one flush gives the new ones their ids), then roles and skills for the batch."""
    found = await uow.session.exec(select(Member).where(col(Member.email).in_([row.email for row in batch])))
    existing = {member.email: member for member in found.all()}
    erased = await erased_among(uow, [row.email for row in batch if row.email not in existing], secrets)
    written: list[tuple[PersonRow, Member, bool, int]] = []
    for row in batch:
        member = existing.get(row.email)
        if row.email in erased or (member is not None and member.erased_at is not None):
            report.errors.append(RowError(row.line, "importer.row_erased"))
            continue
        created = member is None
        if member is None:
            member = Member(email=row.email, timezone=row.timezone or "UTC",
                            locale=row.locale or default_locale, created_at=now)
            uow.session.add(member)
        written.append((row, member, created, _apply(member, row)))
    await uow.session.flush()
    ids = {row.email: member.id for row, member, _, _ in written if member.id is not None}
    rows = [(ids[row.email], row) for row, *_ in written]
    granted = await _grant(uow, rows, now)
    learned = await add_expert_skills_many(uow, {ids[row.email]: row.skills for row, *_ in written}, now=now,
                                           referents=await _referents(uow, rows))
    for row, _member, created, changed in written:
        changes = changed + granted.get(ids[row.email], 0) + learned.get(ids[row.email], 0)
        outcome = "created" if created else "updated" if changes else "unchanged"
        setattr(report, outcome, getattr(report, outcome) + 1)


def _apply(member: Member, row: PersonRow) -> int:
    """Copy the row onto the member; returns how many fields changed. A language the member chose
    in chat (``lang fr``) wins over the directory's."""
    wanted: dict[str, str] = {"display_name": row.name, "title": row.title, "department": row.department,
                              "location": row.location}
    if row.timezone:
        wanted["timezone"] = row.timezone
    if row.locale and not member.locale_chosen:
        wanted["locale"] = row.locale
    changed = 0
    for name, value in wanted.items():
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed += 1
    return changed


async def _referents(uow: UnitOfWork, rows: list[tuple[int, PersonRow]]) -> frozenset[int]:
    """The members who hold the referent role (admins hold every role), by their row or already:
    they become referent for the skills on their row, as ``expert add`` makes a referent."""
    roles = set(REFERENT_ROLES)
    by_row = {member_id for member_id, row in rows if roles & set(row.roles)}
    held = (await uow.session.exec(select(MemberRole.member_id).where(
        col(MemberRole.member_id).in_([member_id for member_id, row in rows if row.skills]),
        col(MemberRole.role).in_(REFERENT_ROLES)))).all()
    return frozenset(by_row | set(held))


async def _grant(uow: UnitOfWork, rows: list[tuple[int, PersonRow]], now: datetime) -> dict[int, int]:
    """Add the roles members do not hold yet, each with an audit entry; member id → roles granted."""
    held = set((await uow.session.exec(select(MemberRole.member_id, MemberRole.role).where(
        col(MemberRole.member_id).in_([member_id for member_id, row in rows if row.roles])))).all())
    granted: dict[int, int] = {}
    for member_id, row in rows:
        for role in row.roles:
            if (member_id, role) not in held:
                uow.session.add(MemberRole(member_id=member_id, role=role, granted_at=now))
                audit.record(uow, None, "role.grant", row.email, {"role": role, "source": "directory import"},
                             at=now)
                granted[member_id] = granted.get(member_id, 0) + 1
    return granted
