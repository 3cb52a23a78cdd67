"""Group commands: list, create, info, join, leave, members, add, link, announce, archive.

Each handler reads its arguments, asks ``core.groups.services`` to decide and write, and answers in the
member's language. Announcements are posted to the linked channels, and new members invited to
them (``core.groups.invites``), only after the transaction commits (``ctx.after_commit``); one
channel failing never stops the others.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.activity import audit
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import day_of, format_day
from core.delivery.immediate import send_now
from core.delivery.outbox import Source
from core.directory import members as directory
from core.directory import notices
from core.errors import Conflict, InvalidInput, UsageError
from core.groups import announcements, lookup, roster
from core.groups import invites as channel_invites
from core.groups import services as groups
from core.groups.lookup import GroupCard, GroupSummary, Viewer
from core.groups.models import Group
from core.markup import Markup, escape
from core.messages import Button, Reply, Section
from core.pairing import results as pairing_results
from core.text import shorten

if TYPE_CHECKING:
    from core.commands import Action

#: this module's commands and actions; ``core/groups/wiring.py`` adds them to the registry
handlers = Handlers()

log = logging.getLogger(__name__)

LIST_LIMIT = 20
MEMBERS_LIMIT = 50
MAX_ANNOUNCEMENT = 3000
MINE = {"owner": "group.mine_owner", "member": "group.mine_member"}
YOU = {"owner": "group.you_owner", "member": "group.you_member"}
VISIBILITY = {"public": "group.visibility_public", "private": "group.visibility_private"}


def _viewer(ctx: Context) -> Viewer:
    return Viewer(member_id=ctx.member_id, admin="admin" in ctx.roles)


def _plural(ctx: Context, key: str, count: int, **params: str) -> str:
    return ctx.t.plural(key, count, **params)


def _count(ctx: Context, count: int) -> str:
    return ctx.t.plural("group.count", count)


def _join_button(ctx: Context, group: Group | GroupCard) -> Button:
    return Button(ctx.t("group.button_join"), "group.join", group.slug, style="primary")


def _list_section(ctx: Context, item: GroupSummary) -> Section:
    group = item.group
    marks = [_count(ctx, item.members)]
    if group.visibility == "private":
        marks.append(ctx.t("group.mark_private"))
    if item.my_role is not None:
        marks.append(ctx.t(MINE[item.my_role]))
    text = ctx.t("group.list_line", name=group.name, slug=group.slug, marks=Markup(" · ".join(marks)))
    if group.description:
        text += "\n" + escape(shorten(group.description, 140))
    buttons = (_join_button(ctx, group),) if item.my_role is None else ()
    return Section(text=text, buttons=buttons)


@handlers.command("group", "list", cached="member")
async def list_(ctx: Context, args: Args) -> Reply:
    """``group list [query]``: every visible live group, or the best fuzzy matches of the query."""
    found = await lookup.summaries(ctx.uow, _viewer(ctx))
    query = " ".join(args.tokens)
    if query:
        found = lookup.search(found, query)
    if not found:
        return Reply(text=ctx.t("group.list_no_match", query=query) if query else ctx.t("group.list_empty"))
    sections = tuple(_list_section(ctx, item) for item in found[:LIST_LIMIT])
    title = ctx.t("group.list_match_title", query=query) if query else ctx.t("group.list_title")
    more = ctx.t("group.list_more", count=len(found) - LIST_LIMIT) if len(found) > LIST_LIMIT else None
    text = "\n\n".join([section.text for section in sections] + ([more] if more else []))
    return Reply(text=text, title=title, sections=sections, context=more)


@handlers.command("group", "create", min_args=1)
async def create(ctx: Context, args: Args) -> Reply:
    """``group create <name> [--private] [-- <description>]``: the creator becomes owner."""
    new = groups.parse_create(args.text)
    group = await groups.create(ctx.uow, _viewer(ctx), new, ctx.services.clock.now())
    key = "group.created_private" if new.private else "group.created"
    return Reply(text=ctx.t(key, name=group.name, slug=group.slug))


def _info_lines(ctx: Context, group: Group, known: roster.Facts) -> list[str]:
    fields = [
        ("group.field_slug", Markup(f"`{escape(group.slug)}`")),
        ("group.field_visibility", ctx.t(VISIBILITY[group.visibility])),
        ("group.field_members", str(known.members)),
        ("group.field_owners", ", ".join(known.owners) or "—"),
        ("group.field_channels", str(known.channels)),
        ("group.field_created", format_day(ctx.locale, day_of(group.created_at, ctx.timezone))),
    ]
    if group.tags:
        fields.append(("group.field_tags", ", ".join("#" + tag for tag in group.tags)))
    lines = [ctx.t("group.field_line", label=ctx.t(key), value=value) for key, value in fields]
    if group.archived_at is not None:
        archived = day_of(group.archived_at, ctx.timezone)
        lines.append(ctx.t("group.status_archived", date=format_day(ctx.locale, archived)))
    return lines


@handlers.command("group", "info", min_args=1, cached="member")
async def info(ctx: Context, args: Args) -> Reply:
    """``group info <group>``: description, owners, counts, and a Join or Leave button."""
    group, known = await roster.shown_with_facts(ctx.uow, _viewer(ctx), args.text)
    mine = await lookup.membership(ctx.uow, group, ctx.member_id)
    lines = [escape(group.description) or ctx.t("group.no_description"), "", *_info_lines(ctx, group, known)]
    assert group.id is not None
    if ctx.may("group pairing", await lookup.relations(ctx.uow, group, ctx.member_id)):
        lines += await pairing_results.info_lines(ctx.uow, group.id, ctx.t)
    buttons: tuple[Button, ...] = ()
    if mine is not None:
        lines.append(ctx.t(YOU[mine.role]))
        buttons = (Button(ctx.t("group.button_leave"), "group.leave", group.slug),)
    elif group.archived_at is None:
        lines.append(ctx.t("group.you_not_member", slug=group.slug))
        buttons = (_join_button(ctx, group),)
    return Reply(text="\n".join(lines), title=escape(group.name), buttons=buttons)


async def _join(ctx: Context, reference: str) -> Reply:
    # the group read as rows, as ``group info`` does: no transaction begun for it (the join is this
    # command's one write, which then commits on its own on PostgreSQL: ``UnitOfWork.write``)
    group, linked = await lookup.joining(ctx.uow, _viewer(ctx), reference)
    # read before the write: on SQLite outside the write turn every writer waits for; not at all
    # when the group has no linked channel to invite to
    invitations = (await channel_invites.for_joining(ctx.uow, group, ctx.member_id, skip=ctx.channel)
                   if linked else [])
    ctx.uow.may_write_alone()  # nothing is written after the membership (invitations go after commit)
    row = await groups.add(ctx.uow, group, ctx.member_id, ctx.services.clock.now())
    if row is None:
        raise Conflict("group.already_member", name=group.name)
    key = "group.joined_owner" if row.role == "owner" else "group.joined"
    lines = [ctx.t(key, name=group.name, slug=group.slug)]
    count = await _invite_later(ctx, invitations)
    if count:
        lines.append(_plural(ctx, "group_invites.you", count))
    return Reply(text="\n".join(lines))


async def _invite_later(ctx: Context, invitations: list[channel_invites.Invitation]) -> int:
    """Queue the invitations for after the commit; how many channels will be asked."""
    doable = channel_invites.reachable(ctx.services.messengers, invitations)
    if doable:
        messengers = ctx.services.messengers
        ctx.after_commit(lambda: channel_invites.send(messengers, doable))
    return len(doable)


async def _tell(ctx: Context, member_id: int, group: Group, change: str, key: str) -> None:
    """Tell ``member_id`` by direct message, after commit, what the acting member's change made of
    them in ``group`` (added, made owner)."""
    source = Source("group", f"{group.id}/{change}/{member_id}/{notices.unique()}")
    values = {"by": ctx.member.display_name, "name": group.name, "slug": group.slug}
    rows = await notices.tell(ctx.uow, member_id, source, key, values, ctx.services.clock.now())
    services = ctx.services
    ctx.after_commit(lambda: send_now(services, rows))


async def _leave(ctx: Context, reference: str) -> Reply:
    group = await lookup.shown(ctx.uow, _viewer(ctx), reference)  # as in ``_join``
    # an heir's notice is written after the membership, but an heir is made in the transaction
    # already (``groups.leave``), which the statement then joins instead of committing on its own
    ctx.uow.may_write_alone()
    heir = await groups.leave(ctx.uow, group, ctx.member_id)
    if heir is not None and heir.id is not None:
        await _tell(ctx, heir.id, group, "heir", "notify.group_heir")
    if heir is not None:
        return Reply(text=ctx.t("group.left_handover", name=group.name, heir=heir.display_name))
    return Reply(text=ctx.t("group.left", name=group.name))


@handlers.command("group", "join", min_args=1)
async def join(ctx: Context, args: Args) -> Reply:
    """``group join <group>``; a second join is a Conflict, an archived group refuses."""
    return await _join(ctx, args.text)


@handlers.command("group", "leave", min_args=1)
async def leave(ctx: Context, args: Args) -> Reply:
    """``group leave <group>``; the last owner hands over to the longest-standing member."""
    return await _leave(ctx, args.text)


@handlers.action("group.join")
async def join_clicked(ctx: Context, act: Action) -> Reply:
    return await _join(ctx, act.value)


@handlers.action("group.leave")
async def leave_clicked(ctx: Context, act: Action) -> Reply:
    return await _leave(ctx, act.value)


@handlers.command("group", "members", min_args=1, cached="member")
async def members(ctx: Context, args: Args) -> Reply:
    """``group members <group>``: names and titles, owners marked; the first ``MEMBERS_LIMIT`` alone
    are read (``roster.page``), the others counted."""
    group = await lookup.shown(ctx.uow, _viewer(ctx), args.text)
    shown = await roster.page(ctx.uow, group, MEMBERS_LIMIT)
    if not shown.rows:
        return Reply(text=ctx.t("group.members_empty", name=group.name))
    lines = []
    for row in shown.rows:
        line = f"• {escape(row.name)}" + (f" — {escape(row.title)}" if row.title else "")
        lines.append(line + (f" ({ctx.t('group.mark_owner')})" if row.role == "owner" else ""))
    if shown.total > len(shown.rows):
        lines.append(ctx.t("group.list_more", count=shown.total - len(shown.rows)))
    title = ctx.t("group.members_title", name=group.name, count=shown.total)
    return Reply(text="\n".join(lines), title=title)


async def _managed(ctx: Context, reference: str, command: str, forbidden: str) -> Group:
    """The group ``reference`` names, if the permission table lets the member do ``command`` to it."""
    group = await lookup.resolve(ctx.uow, _viewer(ctx), reference)
    await _require(ctx, group, command, forbidden)
    return group


async def _require(ctx: Context, group: Group, command: str, forbidden: str) -> None:
    """``Forbidden`` (``forbidden``, naming the group) unless the table lets the member do ``command``
    to ``group`` (its owners, animators, admins; moderators may archive)."""
    ctx.require(command, await lookup.relations(ctx.uow, group, ctx.member_id), forbidden, name=group.name)


@handlers.command("group", "archive", min_args=1)
async def archive(ctx: Context, args: Args) -> Reply:
    """``group archive <group>``: hidden from lists, closed to joins; members and history kept."""
    group = await _managed(ctx, args.text, "group archive", "group.archive_forbidden")
    now = ctx.services.clock.now()
    await groups.archive(ctx.uow, group, now)
    audit.record(ctx.uow, ctx.member_id, "group.archive", f"group:{group.slug}", at=now)
    return Reply(text=ctx.t("group.archived_done", name=group.name))


@handlers.command("group", "add", min_args=2)
async def add(ctx: Context, args: Args) -> Reply:
    """``group add <group> <member>``: how owners bring people into a private group."""
    group, who = await lookup.resolve_prefix(ctx.uow, _viewer(ctx), args.text)
    if not who:
        raise UsageError("group.add_missing_member", usage="usage.group.add")
    await _require(ctx, group, "group add", "group.add_forbidden")
    person = await directory.find_member(ctx.uow, who, ctx.actor.platform, ctx.actor.tenant)
    assert person.id is not None
    row = await groups.add(ctx.uow, group, person.id, ctx.services.clock.now())
    if row is None:
        raise Conflict("group.already_added", name=group.name, who=person.display_name)
    if person.id != ctx.member_id:
        await _tell(ctx, person.id, group, "added", f"notify.group_added_{row.role}")
    lines = [ctx.t("group.added", name=group.name, who=person.display_name)]
    count = await _invite_later(ctx, await channel_invites.for_members(ctx.uow, group, [person.id]))
    if count:
        lines.append(_plural(ctx, "group_invites.them", count, who=person.display_name))
    return Reply(text="\n".join(lines))


@handlers.command("group", "link", min_args=1)
async def link(ctx: Context, args: Args) -> Reply:
    """``group link <group>``, typed in a channel: announcements of the group will be posted there."""
    group = await _managed(ctx, args.text, "group link", "group.link_forbidden")
    if ctx.channel is None:
        raise InvalidInput("group.link_no_channel", slug=group.slug)
    new = await groups.link(ctx.uow, group, ctx.channel, ctx.member_id, ctx.services.clock.now())
    lines = [ctx.t("group.linked" if new else "group.already_linked", name=group.name)]
    # Linking again is how members missing from the channel are brought in: inviting is idempotent.
    invitations = await channel_invites.for_channel(ctx.uow, group, ctx.channel, except_member=ctx.member_id)
    await _invite_later(ctx, invitations)
    people = sum(len(item.members)
                 for item in channel_invites.reachable(ctx.services.messengers, invitations))
    if people:
        lines.append(_plural(ctx, "group_invites.members", people))
    return Reply(text="\n".join(lines))


@handlers.command("group", "announce", min_args=2)
async def announce(ctx: Context, args: Args) -> Reply:
    """``group announce <group> <text>``: a public post in every linked channel, through the outbox
    (``core.groups.announcements``), sent right after commit."""
    group, text = await lookup.resolve_prefix(ctx.uow, _viewer(ctx), args.text)
    await _require(ctx, group, "group announce", "group.announce_forbidden")
    if group.archived_at is not None:
        raise Conflict("group.archived", name=group.name)
    if not text:
        raise UsageError("group.announce_missing_text", usage="usage.group.announce")
    if len(text) > MAX_ANNOUNCEMENT:
        raise InvalidInput("group.announce_too_long", length=len(text), limit=MAX_ANNOUNCEMENT)
    channels = await groups.channels_of(ctx.uow, group)
    reachable = [where for where in channels if ctx.services.messenger(where.platform) is not None]
    if not channels:
        raise Conflict("group.no_channels", name=group.name, slug=group.slug)
    queued = await announcements.write(ctx.uow, group, ctx.member_id, text, ctx.locale,
                                       set(ctx.services.messengers), ctx.services.clock.now())
    services = ctx.services
    ctx.after_commit(lambda: send_now(services, queued))
    lines = [ctx.t("group.announced", name=group.name, count=len(reachable))]
    if len(reachable) < len(channels):
        lines.append(ctx.t("group.announce_skipped", count=len(channels) - len(reachable)))
    return Reply(text="\n".join(lines))
