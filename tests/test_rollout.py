"""A pilot rollout and areas switched on one by one, through the real router and database (SQLite and
PostgreSQL), and the start refusing a pilot group that does not exist."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bots import bootstrap
from bots.cli import main
from bots.config import load_config
from core.commands import Invocation
from core.commands.router import CommandRouter
from core.errors import ConfigError
from core.i18n import Translator
from core.runtime.db import Database
from core.services import Services
from core.settings import RolloutSettings
from tests.conftest import actor, give_role

OWNER, PILOT, OUTSIDER, ADMIN = "owner@example.com", "pia@example.com", "olga@example.com", "adam@example.com"
EN = Translator("en")


async def pilot(chat, db: Database, services: Services) -> None:  # type: ignore[no-untyped-def]
    """"Pilot Team" with its owner and Pia; then the process runs a pilot of that group."""
    assert not (await chat(OWNER).say("group create Pilot Team")).error
    assert not (await chat(PILOT).say("group join pilot-team")).error
    for email in (OUTSIDER, ADMIN):
        await chat(email).say("lang en")
    await give_role(db, ADMIN, "admin")
    services.settings = replace(services.settings,
                                rollout=RolloutSettings(mode="pilot", pilot_groups=("pilot-team",)))


async def test_a_pilot_lets_its_members_in_and_tells_outsiders_once(chat, db, services) -> None:  # type: ignore[no-untyped-def]
    await pilot(chat, db, services)
    assert not (await chat(PILOT).say("group create Side Project")).error
    assert "Side Project" in (await chat(PILOT).say("group list")).text
    olga = chat(OUTSIDER)
    told = await olga.say("group list")
    assert told.text == EN("rollout.not_yet") and not told.error and not told.silent
    for text in ("help", "group join pilot-team", "expert find python", "hlep", "group jion x", ""):
        after = await olga.say(text)
        assert after.silent and after.text == "", text
    assert (await olga.click("group.join", "1")).silent, "clicks too"
    assert not (await olga.say("privacy export")).silent, "data rights do not wait for a launch"
    assert "Side Project" in (await chat(ADMIN).say("group list")).text, "admins prepare the launch"


async def test_joining_a_pilot_group_lets_one_in_at_the_next_command(chat, db, services) -> None:  # type: ignore[no-untyped-def]
    await pilot(chat, db, services)
    olga = chat(OUTSIDER)
    await olga.say("help")
    assert (await olga.say("help")).silent
    assert not (await chat(OWNER).say(f"group add pilot-team {OUTSIDER}")).error
    assert "Parvis — what you can do" in ((await olga.say("help")).title or "")


async def test_a_kept_reply_does_not_slip_past_the_pilot(chat, db, services, router: CommandRouter) -> None:  # type: ignore[no-untyped-def]
    await pilot(chat, db, services)
    await chat(OUTSIDER).say("help")  # told once
    await chat(OUTSIDER).say("help")
    assert not (await chat(PILOT).say("help")).error  # Pia's help would be kept outside a pilot
    prepared = router.prepare(Invocation(actor=actor(OUTSIDER), text="help"))
    assert prepared is not None and router.remembered(prepared) is None
    assert (await router.run(prepared)).silent


async def test_everyone_is_in_when_the_pilot_ends(chat, db, services) -> None:  # type: ignore[no-untyped-def]
    await pilot(chat, db, services)
    await chat(OUTSIDER).say("help")
    services.settings = replace(services.settings, rollout=RolloutSettings())
    assert not (await chat(OUTSIDER).say("group join pilot-team")).error


async def test_a_switched_off_area_is_refused_and_hidden_from_help(chat, db, services) -> None:  # type: ignore[no-untyped-def]
    services.settings = replace(services.settings,
                                rollout=RolloutSettings(disabled_areas=frozenset({"experts", "pairing"})))
    ana = chat("ana@example.com")
    refused = await ana.say("expert find python")
    assert refused.error and refused.text == EN("rollout.area_closed", area=EN("rollout.area.experts"))
    assert (await ana.say("ask who knows rust?")).error and (await ana.say("question list")).error
    assert (await ana.say("group pairing on data")).error, "pairing is off, even under group"
    assert (await ana.click("question.answer", "1")).text.startswith("“Experts and questions” is not open")
    shown = (await ana.say("help")).text
    assert "`expert find" not in shown and "`ask " not in shown and "`question list" not in shown
    assert "**Expert directory**" not in shown and "`group pairing" not in shown
    assert "`group join" in shown and "`campaign list" in shown
    closed = await ana.say("help expert")
    assert closed.error and "is not open yet" in closed.text
    assert not (await ana.say("group create Data")).error, "groups stay open"


def test_a_pilot_group_that_does_not_exist_stops_the_start(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config_file = tmp_path / "parvis.toml"
    config_file.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "p.db"}"\n'
                           '[rollout]\nmode = "pilot"\npilot_groups = ["pilot-teem"]\n')
    with pytest.raises(ConfigError, match="there is no group 'pilot-teem'"):
        asyncio.run(bootstrap.prepare_database(load_config(config_file)))
    assert main(["worker", "--config", str(config_file)]) == 2
    assert "rollout.pilot_groups: there is no group 'pilot-teem'" in capsys.readouterr().err


async def test_an_unknown_pilot_group_is_named_with_the_closest_one(db: Database, chat) -> None:  # type: ignore[no-untyped-def]
    await chat(OWNER).say("group create Pilot Team")
    with pytest.raises(ConfigError) as raised:
        await bootstrap.check_pilot_groups(db, ["pilot-teem", "pilot-team"])
    assert str(raised.value).splitlines() == [
        "rollout.pilot_groups: there is no group 'pilot-teem' (did you mean 'pilot-team'?); name an existing "
        "group by its slug, as `group info` shows it, or create it first"]
    await bootstrap.check_pilot_groups(db, ["pilot-team"])


@pytest.mark.parametrize("body, expected", [
    ('mode = "pilot"\n', 'rollout.pilot_groups: expected at least one group with mode = "pilot"'),
    ('mode = "beta"\n', "rollout.mode: expected 'all' or 'pilot'"),
    ('pilot_groups = [""]\n', "rollout.pilot_groups: expected group slugs"),
    ('[rollout.areas]\nexpert = false\n',
     "rollout.areas.expert: unknown key; expected one of: groups, experts"),
    ('[rollout.areas]\nstats = "no"\n', "rollout.areas.stats: expected a valid boolean"),
])
def test_a_wrong_rollout_is_refused_with_the_key(tmp_path: Path, body: str, expected: str) -> None:
    config_file = tmp_path / "parvis.toml"
    config_file.write_text("[rollout]\n" + body if not body.startswith("[") else body)
    with pytest.raises(ConfigError) as raised:
        load_config(config_file)
    assert expected in str(raised.value)


def test_the_areas_are_read_from_the_file(tmp_path: Path) -> None:
    config_file = tmp_path / "parvis.toml"
    config_file.write_text('[rollout]\nmode = "pilot"\npilot_groups = ["Pilot-Team"]\n'
                           "[rollout.areas]\ncampaigns = false\nstats = false\n")
    assert load_config(config_file).settings().rollout == RolloutSettings(
        mode="pilot", pilot_groups=("pilot-team",), disabled_areas=frozenset({"campaigns", "stats"}))


def test_every_area_is_named_in_both_languages() -> None:
    from core.i18n import LOCALES, catalog
    from core.settings import AREAS

    assert all(f"rollout.area.{area}" in catalog(locale) for area in AREAS for locale in LOCALES)


def test_every_command_and_click_belongs_to_an_area_or_to_parvis_itself() -> None:
    """A new command must say which area a staged launch switches it with (``core.governance.areas``),
    unless it is about Parvis itself and never switched off."""
    from core.capabilities import build_registry
    from core.governance.areas import area_of

    registry = build_registry()
    # the web console is a way in, never switched off: each of its pages checks its own area
    itself = {"help", "lang", "charter", "privacy", "role", "audit", "moderation", "outbox",
              "dashboard", "web", "inbox"}
    names = [command.name for command in registry.commands.values()] + list(registry.actions)
    loose = [name for name in names
             if area_of(name) is None and name.replace(".", " ").split()[0] not in itself]
    assert loose == []
    assert area_of("group pairing") == "pairing" and area_of("group.join") == "groups"
    assert area_of("question.answer") == "experts" and area_of("campaign.ask") == "campaigns"
