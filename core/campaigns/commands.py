"""Campaign commands and clicks: list, show, start, pause, resume, close, report, share,
optout/optin, and answering prompts (buttons for choices and scales, a form for text). Writing
campaigns (new, edit, copy, delete) is ``core.campaigns.authoring_commands``.

Who may do what is the permission table (``core.access.table``): animators create campaigns; a
campaign is run by its creator, the animators it is shared with, and admins; its audience may see it
(its prompts, not its results) and the members its prompts reached may answer. A campaign aimed at
a group the member cannot see does not exist for them (``core.campaigns.ownership``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from core.activity import audit
from core.campaigns import languages, ownership, rounds, summaries
from core.campaigns import lifecycle as campaigns
from core.campaigns.answers import MAX_TEXT, Target, answer, current, is_open, target
from core.campaigns.expert_questions import ask, ask_button, deliver_notices
from core.campaigns.models import Campaign
from core.campaigns.schedule_words import describe
from core.campaigns.schedules import wall_of
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import format_moment
from core.directory import members as directory
from core.errors import Conflict, InvalidInput, NotFound
from core.groups.models import Group
from core.i18n import Translator
from core.markup import escape
from core.messages import Form, FormInput, Image, Reply
from core.stats import charts
from core.stats.figures import CampaignFigure, RoundFigure

if TYPE_CHECKING:
    from core.commands import Action

#: this module's commands and actions; ``core/campaigns/wiring.py`` adds them to the registry
handlers = Handlers()

DONE = {"start": "campaign.started", "pause": "campaign.paused", "resume": "campaign.resumed"}
STATUS_KEYS = {s: f"campaign.status_{s}" for s in ("draft", "scheduled", "running", "paused", "closed")}


async def _campaign(ctx: Context, reference: str, command: str) -> tuple[Campaign, frozenset[str]]:
    """The campaign ``reference`` names and the member's relations to it, if the table lets them do
    ``command`` to it. One they may not even see is "not found", word for word as one that does not
    exist: a campaign aimed at a private group names nothing of it to outsiders."""
    campaign = await campaigns.get(ctx.uow, reference)
    facts = await ownership.relations(ctx.uow, campaign, ctx.member_id, ctx.roles)
    if not ctx.may("campaign show", facts):
        raise NotFound("campaign.not_found", ref=reference.strip())
    ctx.require(command, facts, "campaign.not_manager", id=campaign.id, title=campaign.title)
    return campaign, facts


def _line(ctx: Context, campaign: Campaign) -> str:
    return ctx.t("campaign.list_line", id=campaign.id, title=campaign.title,
                 status=ctx.t(STATUS_KEYS[campaign.status]))


@handlers.command("campaign", "list")
async def list_(ctx: Context, args: Args) -> Reply:
    found = await ownership.listed(ctx.uow, ctx.member_id, ctx.roles)
    if not found:
        return Reply(text=ctx.t("campaign.list_empty"))
    return Reply(text="\n".join(_line(ctx, c) for c in found), title=ctx.t("campaign.list_title"))


async def _group_names(ctx: Context, campaign: Campaign) -> str:
    names = []
    for group_id in campaign.audience.get("groups", []):
        group = await ctx.uow.session.get(Group, group_id)
        if group is not None:
            names.append(group.name)
    channels = [f"#{c['channel']}" for c in campaign.audience.get("channels", [])]
    return ", ".join(names + channels) or "—"


async def _details(ctx: Context, campaign: Campaign, manager: bool) -> list[str]:
    """What ``campaign show`` says: everything to its managers; to its audience, its status, when
    the next round comes and its prompts."""
    assert campaign.id is not None
    zone = campaign.timezone or ctx.t("campaign.zone_local")
    channel = campaign.audience.get("mode") == "channel"
    mode = ctx.t("campaign.mode_channel") if channel else ctx.t("campaign.mode_direct")
    when = describe(campaign.recurrence, ctx.t)
    start = wall_of(campaign.starts_at, campaign.timezone or None) if campaign.starts_at else None
    lines = [ctx.t("campaign.field_status", value=ctx.t(STATUS_KEYS[campaign.status]))]
    if manager:
        lines += [
            ctx.t("campaign.field_audience", value=await _group_names(ctx, campaign), mode=mode),
            ctx.t("campaign.field_schedule", start=format_moment(ctx.locale, start) if start else "—",
                  rule=when,
                  zone=zone),
            ctx.t("campaign.field_delays", reminders=campaign.reminders,
                  reminder=(campaign.reminder_after_minutes or 0) // 60,
                  close=campaign.close_after_minutes // 60),
        ]
    last = await rounds.last_round(ctx.uow, campaign.id)
    now = ctx.services.clock.now()
    upcoming = rounds.next_wall(campaign, last, now) if campaign.status != "closed" else None
    held = last.index if last is not None else 0
    lines.append(ctx.t("campaign.field_rounds_of", held=held, count=campaign.count) if campaign.count
                 else ctx.t("campaign.field_rounds", held=held))
    if upcoming is not None:
        lines.append(ctx.t("campaign.field_next", when=format_moment(ctx.locale, upcoming), zone=zone))
    if campaign.anonymous:
        lines.append(ctx.t("campaign.prompt_anonymous"))
    for prompt in languages.prompts_in(await campaigns.prompts_of(ctx.uow, campaign.id), ctx.locale):
        extra = f" [{' | '.join(prompt.options)}]" if prompt.kind == "choice" else (
            " [1–5]" if prompt.kind == "scale" else "")
        lines.append(f"{prompt.position}. {escape(prompt.text + extra)}")
    return lines


@handlers.command("campaign", "show", min_args=1)
async def show(ctx: Context, args: Args) -> Reply:
    """``campaign show <id>``: for its managers and its audience (who see its prompts, not how it is run)."""
    campaign, facts = await _campaign(ctx, args.tokens[0], "campaign show")
    manager = ctx.may("campaign report", facts)
    return Reply(text="\n".join(await _details(ctx, campaign, manager)),
                 title=ctx.t("campaign.show_title", id=campaign.id, title=campaign.title))


async def _transition(ctx: Context, reference: str, verb: str) -> Reply:
    campaign, _ = await _campaign(ctx, reference, f"campaign {verb}")
    before, now = campaign.status, ctx.services.clock.now()
    try:
        await campaigns.transition(ctx.uow, campaign, verb)
    except Conflict as error:  # name the current state in the member's language
        error.params["status"] = ctx.t(STATUS_KEYS[campaign.status])
        raise
    audit.record(ctx.uow, ctx.member_id, f"campaign.{verb}", f"campaign:{campaign.id}",
                 {"from": before, "to": campaign.status}, at=now)
    if verb not in ("start", "resume"):
        return Reply(text=ctx.t(DONE[verb], id=campaign.id, title=campaign.title))
    created = await rounds.materialise_campaign(ctx.uow, campaign, now)
    return Reply(text=ctx.t.plural(DONE[verb], created, id=campaign.id, title=campaign.title))


async def _close(ctx: Context, reference: str) -> Reply:
    campaign, _ = await _campaign(ctx, reference, "campaign close")
    if campaign.status == "closed":
        raise Conflict("campaign.already_closed", id=campaign.id, title=campaign.title)
    before, now = campaign.status, ctx.services.clock.now()
    closed = await rounds.close_campaign(ctx.uow, campaign, now)
    audit.record(ctx.uow, ctx.member_id, "campaign.close", f"campaign:{campaign.id}",
                 {"from": before, "to": campaign.status}, at=now)
    return Reply(text=ctx.t.plural("campaign.closed", closed, id=campaign.id, title=campaign.title))


@handlers.command("campaign", "start", min_args=1)
async def start(ctx: Context, args: Args) -> Reply:
    return await _transition(ctx, args.tokens[0], "start")


@handlers.command("campaign", "pause", min_args=1)
async def pause(ctx: Context, args: Args) -> Reply:
    return await _transition(ctx, args.tokens[0], "pause")


@handlers.command("campaign", "resume", min_args=1)
async def resume(ctx: Context, args: Args) -> Reply:
    return await _transition(ctx, args.tokens[0], "resume")


@handlers.command("campaign", "close", min_args=1)
async def close(ctx: Context, args: Args) -> Reply:
    return await _close(ctx, args.tokens[0])


@handlers.action("campaign.start")
async def start_clicked(ctx: Context, act: Action) -> Reply:
    return await _transition(ctx, act.value, "start")


@handlers.command("campaign", "report", min_args=1)
async def report(ctx: Context, args: Args) -> Reply:
    """``campaign report <id>``: the summaries of the latest rounds (never a name if anonymous)."""
    campaign, _ = await _campaign(ctx, args.tokens[0], "campaign report")
    assert campaign.id is not None
    found = await summaries.rounds_of(ctx.uow, campaign.id)
    if not found:
        return Reply(text=ctx.t("campaign.report_empty", id=campaign.id, title=campaign.title))
    minimum = ctx.services.settings.campaigns.anonymity_min
    counted = [await summaries.summarise(ctx.uow, campaign, r) for r in found]
    parts = [summaries.render(ctx.t, campaign, summary, minimum) for summary in counted]
    text = "\n\n———\n\n".join(f"**{part.title}**\n{part.text}" for part in parts)
    figure = CampaignFigure(campaign.id, campaign.title, tuple(
        RoundFigure(s.round.index, s.round.due_at.date(), s.recipients, s.respondents)
        for s in reversed(counted)))
    return Reply(text=text, title=ctx.t("campaign.report_title", id=campaign.id, title=campaign.title),
                 sections=tuple(s for part in parts for s in part.sections),
                 image=await asyncio.to_thread(_participation_chart, figure, ctx.locale))


def _participation_chart(figure: CampaignFigure, locale: str) -> Image:
    """The campaign's participation per round (the rounds the report shows), as a picture."""
    t = Translator(locale, plain=True)
    return Image(png=charts.campaign_png(figure, t), alt=t("stats.chart_campaign_alt", id=figure.id),
                 name=f"parvis-campaign-{figure.id}.png")


@handlers.command("campaign", "share", min_args=2)
async def share(ctx: Context, args: Args) -> Reply:
    """``campaign share <id> <member>``: another animator runs the campaign too (audited)."""
    campaign, _ = await _campaign(ctx, args.tokens[0], "campaign share")
    person = await directory.find_member(ctx.uow, " ".join(args.tokens[1:]), ctx.actor.platform,
                                         ctx.actor.tenant)
    await ownership.share(ctx.uow, campaign, person, ctx.member_id, ctx.services.clock.now())
    return Reply(text=ctx.t("campaign.shared", who=person.display_name, id=campaign.id, title=campaign.title))


@handlers.command("campaign", "optout")
async def optout(ctx: Context, args: Args) -> Reply:
    changed = await campaigns.set_opt_out(ctx.uow, ctx.member, True)
    return Reply(text=ctx.t("campaign.opted_out" if changed else "campaign.already_opted_out"))


@handlers.command("campaign", "optin")
async def optin(ctx: Context, args: Args) -> Reply:
    changed = await campaigns.set_opt_out(ctx.uow, ctx.member, False)
    return Reply(text=ctx.t("campaign.opted_in" if changed else "campaign.already_opted_in"))


def _ids(value: str, parts: int) -> list[str]:
    pieces = value.split(":")
    if len(pieces) != parts or not all(p.isdigit() for p in pieces[:2]):
        raise InvalidInput("campaign.answer_unknown")
    return pieces


async def _reached(ctx: Context, act: Action, parts: int) -> tuple[Target, list[str]]:
    """The round and prompt a click names, if the prompt reached the member (the table's
    ``recipient``): nobody else opens its form or reads its prompt, whatever ids they send."""
    pieces = _ids(act.value, parts)
    found = await target(ctx.uow, int(pieces[0]), int(pieces[1]), ctx.member_id)
    facts = await ownership.answering(ctx.uow, found, ctx.member_id, act.channel or ctx.channel)
    ctx.require(act.action_id.split(":", 1)[0], facts)
    return found, pieces


async def _record(ctx: Context, found: Target, value: str) -> Reply:
    ctx.record_activity = not found.campaign.anonymous  # who answered an anonymous campaign: nowhere
    _row, edited = await answer(ctx.uow, found, ctx.member_id, value, ctx.services.clock.now(),
                                ctx.services.settings.security)
    key = "campaign.answer_edited" if edited else "campaign.answer_saved"
    button = ask_button(ctx.t, found)
    title = languages.title_in(found.campaign, ctx.locale)
    return Reply(text=ctx.t(key, title=title, position=found.prompt.position),
                 buttons=(button,) if button else ())


@handlers.action("campaign.ask")
async def ask_clicked(ctx: Context, act: Action) -> Reply:
    """"Ask the experts": the member's own text answer becomes a routed expert question."""
    found, _ = await _reached(ctx, act, 2)
    asked = await ask(ctx.uow, ctx.services.db, found, ctx.member_id, ctx.services.clock.now(),
                      ctx.services.settings)
    services = ctx.services
    ctx.after_commit(lambda: deliver_notices(services, asked.notices))
    return Reply(text=ctx.t("campaign.asked", id=asked.question_id))


@handlers.action("campaign.answer")
async def answer_clicked(ctx: Context, act: Action) -> Reply:
    """A choice or scale button: ``<round>:<prompt>:<option index or 1–5>``."""
    found, pieces = await _reached(ctx, act, 3)
    return await _record(ctx, found, pieces[2])


@handlers.action("campaign.write")
async def write_clicked(ctx: Context, act: Action) -> Reply:
    """The Answer button of a text prompt opens a one-field form, for a member the prompt reached."""
    found, _ = await _reached(ctx, act, 2)
    ctx.record_activity = not found.campaign.anonymous
    if not is_open(found.round, ctx.services.clock.now()):
        raise Conflict("campaign.round_closed", title=languages.title_in(found.campaign, ctx.locale))
    mine = await current(ctx.uow, found, ctx.member_id, ctx.services.settings.security)
    prompt = languages.prompt_in(found.prompt, ctx.locale)
    field = FormInput("answer", escape(prompt.text), "multiline", max_length=MAX_TEXT,
                      placeholder=ctx.t("campaign.answer_hint"), initial=mine.text or "" if mine else "")
    title = escape(languages.title_in(found.campaign, ctx.locale))
    form = Form(title, "campaign.text", ctx.t("campaign.form_send"), (field,), act.value)
    return Reply(text=escape(prompt.text), title=title, form=form)


@handlers.action("campaign.text")
async def text_submitted(ctx: Context, act: Action) -> Reply:
    found, _ = await _reached(ctx, act, 2)
    return await _record(ctx, found, act.values.get("answer", ""))

