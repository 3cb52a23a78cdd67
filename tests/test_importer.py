"""The directory import: upsert by e-mail, bad rows reported by line, idempotent, tolerant of real files."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from bots.cli import main
from core.directory.importer import COLUMNS, ImportReport, describe, import_directory, parse_row, read_rows
from core.errors import InvalidInput
from core.i18n import Translator
from core.ports import FakeClock
from core.runtime.db import Database
from core.schema import AuditEntry, ExpertSkill, Member, MemberRole, Skill, SkillAlias

HEADER = "email,name,title,department,location,timezone,locale,skills,roles\n"
GOOD = HEADER + (
    "Ana.Martin@Example.com,Ana Martin,Data Lead,Data,Paris,Europe/Paris,fr,"
    "python; Machine Learning,animator\n"
    "ben@example.com,Ben Stone,SRE,Engineering,London,Europe/London,en,kubernetes;python,\n"
    '"cy@example.com","Cy, the Third",,,,,,,\n'
)


async def run(db: Database, text: str, clock: FakeClock | None = None, **kwargs: object) -> ImportReport:
    return await import_directory(db, io.StringIO(text, newline=""), clock=clock or FakeClock(), **kwargs)


async def member(db: Database, email: str) -> Member | None:
    async with db.uow() as uow:
        return (await uow.session.exec(select(Member).where(Member.email == email))).first()


async def skills_of(db: Database, email: str) -> set[str]:
    async with db.uow() as uow:
        rows = await uow.session.exec(
            select(Skill.name).join(ExpertSkill, col(ExpertSkill.skill_id) == col(Skill.id))
            .join(Member, col(Member.id) == col(ExpertSkill.member_id)).where(Member.email == email))
        return set(rows.all())


async def roles_of(db: Database, email: str) -> set[str]:
    async with db.uow() as uow:
        rows = await uow.session.exec(
            select(MemberRole.role).join(Member, col(Member.id) == col(MemberRole.member_id))
            .where(Member.email == email))
        return set(rows.all())


async def test_a_good_file_creates_members_with_skills_and_roles(db: Database) -> None:
    report = await run(db, GOOD)
    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
    ana = await member(db, "ana.martin@example.com")
    assert ana is not None
    assert (ana.display_name, ana.title, ana.department, ana.location, ana.timezone, ana.locale) == (
        "Ana Martin", "Data Lead", "Data", "Paris", "Europe/Paris", "fr")
    assert await skills_of(db, "ana.martin@example.com") == {"python", "machine learning"}
    assert await roles_of(db, "ana.martin@example.com") == {"animator"}
    cy = await member(db, "cy@example.com")
    assert cy is not None and (cy.display_name, cy.timezone, cy.locale) == ("Cy, the Third", "UTC", "en")
    async with db.uow() as uow:  # "python" is one skill shared by two people
        assert (await uow.session.exec(select(func.count()).select_from(Skill))).one() == 3
        audit = (await uow.session.exec(select(AuditEntry))).all()
    assert [(a.action, a.target, a.detail["role"]) for a in audit] == [
        ("role.grant", "ana.martin@example.com", "animator")]


async def test_importing_twice_changes_nothing_and_an_edit_is_an_update(db: Database) -> None:
    await run(db, GOOD)
    again = await run(db, GOOD)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 3, [])
    edited = GOOD.replace("SRE,Engineering", "Staff SRE,Engineering").replace("kubernetes;python", "go")
    report = await run(db, edited)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    ben = await member(db, "ben@example.com")
    assert ben is not None and ben.title == "Staff SRE"
    # Skills and roles are only added: "kubernetes" stays although the new file no longer lists it.
    assert await skills_of(db, "ben@example.com") == {"kubernetes", "python", "go"}


async def test_bad_rows_are_reported_by_line_and_the_others_imported(db: Database) -> None:
    text = HEADER + (
        "not-an-email,Bad Mail,,,,,,,\n"             # line 2
        "ok1@example.com,Ok One,,,,,,,\n"            # line 3
        "tz@example.com,Tee Zed,,,,Mars/Olympus,,,\n"  # line 4
        "\n"                                          # line 5: blank, ignored
        'multi@example.com,"Multi\nLine",,,,,,,\n'   # lines 6-7: a quoted line break is one record
        "loc@example.com,Lo Cale,,,,,de,,\n"          # line 8
        "role@example.com,Ro Le,,,,,,,boss;admin\n"   # line 9
        "noname@example.com,  ,,,,,,,\n"              # line 10
        "short@example.com,Short\n"                  # line 11
        "OK1@example.com,Twice,,,,,,,\n"             # line 12
        "ok2@example.com,Ok Two,,,,America/New_York,fr-CA,,member\n"  # line 13
        "nul@example.com,Nu\x00l \x07Bell,,,,,,,\n"  # line 14: control characters are dropped
    )
    report = await run(db, text)
    assert report.created == 4
    found = {error.line: error.key for error in report.errors}
    assert found == {2: "importer.row_bad_email", 4: "importer.row_bad_timezone",
                     8: "importer.row_bad_locale", 9: "importer.row_bad_role", 10: "importer.row_no_name",
                     11: "importer.row_field_count", 12: "importer.row_duplicate"}
    ok2 = await member(db, "ok2@example.com")
    assert ok2 is not None and (ok2.timezone, ok2.locale) == ("America/New_York", "fr")
    assert await roles_of(db, "ok2@example.com") == set()  # "member" is implicit, never stored
    nul = await member(db, "nul@example.com")
    assert nul is not None and nul.display_name == "Nul Bell"
    summary, lines = describe(report, Translator("en"))
    assert summary == "Directory import: 4 created, 0 updated, 0 unchanged, 7 rejected."
    assert "line 9: unknown role “boss” (roles: member, animator, referent, moderator, admin)" in lines
    french = describe(report, Translator("fr"))[1][1]
    assert "ligne 4 : « Mars/Olympus » n'est pas un fuseau horaire IANA" in french


async def test_byte_order_mark_semicolons_crlf_and_column_order_are_accepted(db: Database) -> None:
    text = ("\ufeffroles;skills;locale;timezone;location;department;title;name;email\r\n"
            "referent;\"sql\";en;Europe/London;London;Data;Analyst;Dee Ell;dee@example.com\r\n")
    report = await run(db, text)
    assert (report.created, report.errors) == (1, [])
    assert await roles_of(db, "dee@example.com") == {"referent"}
    raw = (HEADER + "bom@example.com,Bo M,,,,,,,\n").encode("utf-8-sig")
    assert (await run(db, raw.decode("utf-8-sig"))).created == 1


@pytest.mark.parametrize("header, missing, extra", [
    ("email,name,title,department,location,timezone,locale,skills\n", "roles", "—"),
    ("email,name,title,department,location,timezone,locale,skills,roles,phone\n", "—", "phone"),
    ("mail,name,title,department,location,timezone,locale,skills,roles\n", "email", "mail"),
])
async def test_a_wrong_header_is_refused_before_anything_is_written(
        db: Database, header: str, missing: str, extra: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await run(db, header + "x@example.com,X,,,,,,,\n")
    assert caught.value.key == "importer.bad_header"
    assert (caught.value.params["missing"], caught.value.params["extra"]) == (missing, extra)
    assert await member(db, "x@example.com") is None


async def test_an_empty_file_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught:
        await run(db, "")
    assert caught.value.key == "importer.empty_file"


async def test_a_language_chosen_in_chat_wins_and_known_aliases_are_followed(db: Database) -> None:
    await run(db, GOOD)
    async with db.uow() as uow:
        ana = (await uow.session.exec(select(Member).where(Member.email == "ana.martin@example.com"))).one()
        ana.locale, ana.locale_chosen = "en", True
        skill = (await uow.session.exec(select(Skill).where(Skill.name == "kubernetes"))).one()
        assert skill.id is not None
        uow.session.add(SkillAlias(alias="k8s", skill_id=skill.id))
        await uow.commit()
    await run(db, GOOD.replace("python; Machine Learning", "K8s"))
    ana = await member(db, "ana.martin@example.com")
    assert ana is not None and ana.locale == "en"
    assert await skills_of(db, "ana.martin@example.com") == {"python", "machine learning", "kubernetes"}


async def referent_for(db: Database, email: str) -> set[str]:
    async with db.uow() as uow:
        rows = await uow.session.exec(
            select(Skill.name).join(ExpertSkill, col(ExpertSkill.skill_id) == col(Skill.id))
            .join(Member, col(Member.id) == col(ExpertSkill.member_id))
            .where(Member.email == email, col(ExpertSkill.referent)))
        return set(rows.all())


async def test_a_member_imported_as_referent_is_referent_for_the_skills_on_the_row(db: Database) -> None:
    text = HEADER + ("rita@example.com,Rita,,,,,,kubernetes;k8s;Droit du travail,referent\n"
                     "ben@example.com,Ben,,,,,,python,\n"
                     "ada@example.com,Ada,,,,,,sql,admin\n")
    await run(db, text)
    assert await referent_for(db, "rita@example.com") == {"kubernetes", "employment law"}
    assert await referent_for(db, "ben@example.com") == set()
    assert await referent_for(db, "ada@example.com") == {"sql"}, "admins hold every role"
    again = await run(db, text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3), "idempotent"
    async with db.uow() as uow:  # Ben becomes referent in chat; the next import marks his skills
        ben = (await uow.session.exec(select(Member).where(Member.email == "ben@example.com"))).one()
        uow.session.add(MemberRole(member_id=ben.id, role="referent"))
        await uow.commit()
    later = await run(db, text)
    assert (later.updated, later.unchanged) == (1, 2)
    assert await referent_for(db, "ben@example.com") == {"python"}


async def test_large_files_are_committed_in_batches(db: Database) -> None:
    rows = "".join(f"p{i}@example.com,Person {i},,,,,,skill {i % 7},\n" for i in range(450))
    report = await run(db, HEADER + rows + "bad,Bad,,,,,,,\n", batch_size=100)
    assert (report.created, [e.line for e in report.errors]) == (450, [452])
    async with db.uow() as uow:
        assert (await uow.session.exec(select(func.count()).select_from(Member))).one() == 450
        assert (await uow.session.exec(select(func.count()).select_from(Skill))).one() == 7


async def test_the_demo_organisation_imports_cleanly(db: Database) -> None:
    source = resources.files("prompts").joinpath("demo", "people.csv").read_text(encoding="utf-8")
    report = await run(db, source)
    assert report.errors == [] and 25 <= report.created <= 40
    assert "kubernetes" in await skills_of(db, "lucas.bernard@aurora.example")
    # prompts/skills.toml makes the French name and the English one the same canonical skill
    assert "machine learning" in await skills_of(db, "chloe.petit@aurora.example")
    assert await roles_of(db, "camille.durand@aurora.example") == {"admin"}


def write_config(directory: Path) -> Path:
    config = directory / "parvis.toml"
    url = f"sqlite+aiosqlite:///{directory / 'parvis.db'}"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return config


def test_the_cli_reports_rejected_rows_on_stderr_and_exits_1(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes((GOOD + "zed@example.com,Zed,,,,,xx,,\n").encode("utf-8-sig"))
    config = write_config(tmp_path)
    assert main(["directory", "import", str(people), "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    assert out == "Directory import: 3 created, 0 updated, 0 unchanged, 1 rejected.\n"
    assert f"{people}: line 5: “xx” is not a supported language (choose one of: en, fr)" in err
    people.write_text(GOOD, encoding="utf-8")
    assert main(["directory", "import", str(people), "--config", str(config)]) == 0
    assert capsys.readouterr().out == "Directory import: 0 created, 0 updated, 3 unchanged, 0 rejected.\n"


def test_the_cli_refuses_a_file_it_cannot_use_with_exit_2(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert main(["directory", "import", str(tmp_path / "missing.csv"), "--config", str(config)]) == 2
    assert "Cannot read" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name\nx@example.com,X\n", encoding="utf-8")
    assert main(["directory", "import", str(bad), "--config", str(config)]) == 2
    assert "Missing: title, department, location, timezone, locale, skills, roles." in capsys.readouterr().err
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "eve@example.com,Ève Noël,,,,,,,\n").encode("latin-1"))
    assert main(["directory", "import", str(latin), "--config", str(config)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("value, zone", [("europe/paris", "Europe/Paris"), ("UTC", "UTC"),
                                         ("America/Montreal", "America/Montreal")])
def test_time_zones_are_read_tolerantly_and_spelled_properly(value: str, zone: str) -> None:
    row = parse_row(2, list(COLUMNS), ["a@example.com", "A", "", "", "", value, "", "", ""])
    assert row.timezone == zone


@pytest.mark.parametrize("value", ["localtime", "../../etc/passwd", "Europe/Paris/x", "x" * 5000, "CET+1"])
def test_anything_but_an_iana_zone_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_row(2, list(COLUMNS), ["a@example.com", "A", "", "", "", value, "", "", ""])
    assert caught.value.key == "importer.row_bad_timezone" and len(caught.value.params["value"]) <= 60


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=8))
def test_no_content_makes_the_reader_raise_anything_but_a_header_error(lines: list[str]) -> None:
    report = ImportReport()
    try:
        rows = list(read_rows(io.StringIO(HEADER + "\n".join(lines), newline=""), report))
    except InvalidInput as error:  # only possible for the header, which is fixed here
        pytest.fail(f"unexpected {error.key}")
    assert all(row.email and row.name for row in rows)
    assert all(error.line >= 2 for error in report.errors)
