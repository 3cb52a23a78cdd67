"""The messages of a pairing round, rendered at send time from the database.

An introduction (or the mid-round reminder) goes, per pair, to one conversation of its members on a
platform that opens them (a Slack group DM: target ``pair:<platform>|<tenant>``) or to each member
directly (Teams, whose bots cannot start group chats). It names the others — with their e-mail and
platform when they are elsewhere, so a Slack–Teams pair can find each other —, offers a conversation
starter from ``prompts/pairing/`` in the reader's language, and the *We met* / *Not this time*
buttons. Nothing is sent to a pair whose group was archived or whose pairing was turned off, a
reminder not to a pair that already answered, nor to anyone erased since.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from sqlmodel import col, select

from core.delivery.models import Delivery
from core.delivery.outbox import Outgoing, addresses_of, target_of
from core.directory.models import Member
from core.groups.models import Group
from core.i18n import Translator
from core.markup import Markup
from core.messages import Button, Reply
from core.pairing.models import Pairing, PairingRound, PairingSetup
from core.pairing.rounds import GROUP_KEY, REMINDER
from core.ports import GroupAddress, MemberAddress
from core.runtime.db import UnitOfWork
from core.settings import Settings

PLATFORM_NAMES = {"slack": "Slack", "teams": "Microsoft Teams", "console": "console"}


@cache
def starters(locale: str) -> tuple[str, ...]:
    """The conversation starters of ``prompts/pairing/<locale>.toml`` (English when missing)."""
    folder = resources.files("prompts").joinpath("pairing")
    source = folder.joinpath(f"{locale}.toml")
    if not source.is_file():
        source = folder.joinpath("en.toml")
    return tuple(tomllib.loads(source.read_text("utf-8"))["starters"])


def starter(locale: str, pairing_id: int) -> str:
    """The pair's starter: the same position in every language."""
    found = starters(locale)
    return found[pairing_id % len(found)]


def buttons(t: Translator, pairing_id: int) -> tuple[Button, ...]:
    return (Button(t("pairing.button_met"), "pairing.met", str(pairing_id), style="primary"),
            Button(t("pairing.button_missed"), "pairing.missed", str(pairing_id)))


def _name(t: Translator, member: Member, address: MemberAddress | None, platform: str) -> str:
    """A member's name; with their e-mail and platform when they are not on the reader's platform."""
    if address is not None and address.platform != platform and member.email:
        return t("pairing.name_elsewhere", name=member.display_name, email=member.email,
                 platform=PLATFORM_NAMES.get(address.platform, address.platform))
    return t("pairing.name", name=member.display_name)


async def _live(uow: UnitOfWork, delivery: Delivery) -> tuple[Pairing, Group] | None:
    pairing = await uow.session.get(Pairing, int(delivery.source.partition(":")[2]))
    if pairing is None or (delivery.purpose == REMINDER and pairing.outcome is not None):
        return None
    group = await uow.session.get(Group, pairing.group_id)
    setup = await uow.session.get(PairingSetup, pairing.group_id)
    if group is None or group.archived_at is not None or setup is None or not setup.enabled:
        return None
    return pairing, group


def _words(t: Translator, kind: str, group: Group, pairing: Pairing, readers: list[int],
           members: dict[int, Member], addresses: dict[int, MemberAddress], platform: str) -> str:
    """The introduction (or reminder) and the starter in one language: a direct message names the
    others, a conversation of several names everyone in it and those elsewhere."""
    assert pairing.id is not None
    named = [m for m in pairing.members if m in members and (len(readers) > 1 or m not in readers)]
    together = Markup(t("pairing.and").join(_name(t, members[m], addresses.get(m), platform) for m in named))
    key = f"pairing.{kind}_direct" if len(readers) == 1 else f"pairing.{kind}_group"
    return t(key, group=group.name, names=together) + "\n\n" + t(
        "pairing.starter", starter=starter(t.locale, pairing.id))


async def render(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """One introduction or reminder: to the pair's conversation on one platform, or to one member.
    A conversation of people of different languages gets the words in each of them (the buttons in
    the first one's)."""
    live = await _live(uow, delivery)
    if live is None:
        return None
    pairing, group = live
    assert pairing.id is not None
    members = {m.id or 0: m for m in (await uow.session.exec(
        select(Member).where(col(Member.id).in_(pairing.members), col(Member.erased_at).is_(None)))).all()}
    addresses = await addresses_of(uow, members)
    target = target_of(delivery)
    if target.kind == "member":
        readers = [int(target.id)] if int(target.id) in addresses else []
    else:
        platform, _, tenant = target.id.removeprefix(GROUP_KEY).partition("|")
        readers = [m for m in pairing.members
                   if (a := addresses.get(m)) is not None and (a.platform, a.tenant) == (platform, tenant)]
    if not readers or len(members) < 2:
        return None
    first = addresses[readers[0]]
    locales = list(dict.fromkeys(members[m].locale for m in readers))
    t = Translator(locales[0])
    kind = "reminder" if delivery.purpose == REMINDER else "intro"
    lines = [_words(Translator(locale), kind, group, pairing, readers, members, addresses, first.platform)
             for locale in locales]
    reply = Reply(text="\n\n———\n\n".join(lines) + "\n\n" + t("pairing.answer_hint"),
                  title=t("pairing.title", group=group.name), buttons=buttons(t, pairing.id), locale=t.locale)
    if len(readers) == 1:
        return Outgoing(first, reply)
    return Outgoing(GroupAddress(first.platform, first.tenant,
                                 tuple(addresses[m].user_id for m in readers)), reply)


async def render_too_few(uow: UnitOfWork, delivery: Delivery, settings: Settings) -> Outgoing | None:
    """To an owner: this round paired nobody, with how many took part and how to get more."""
    member_id = target_of(delivery).member_id
    owner = await uow.session.get(Member, member_id) if member_id is not None else None
    address = (await addresses_of(uow, [member_id])).get(member_id) if member_id is not None else None
    if owner is None or address is None:
        return None
    round_ = await uow.session.get(PairingRound, int(delivery.source.partition(":")[2]))
    group = await uow.session.get(Group, round_.group_id) if round_ is not None else None
    if group is None:
        return None
    t = Translator(owner.locale)
    count = int(delivery.payload.get("count", 0))
    text = t.plural("pairing.too_few", count, group=group.name, slug=group.slug)
    return Outgoing(address, Reply(text=text, title=t("pairing.title", group=group.name), locale=t.locale))
