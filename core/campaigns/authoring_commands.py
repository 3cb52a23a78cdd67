"""Writing campaigns: ``campaign new`` and its form, ``campaign edit``, ``copy`` and ``delete``.

A submitted form is read whole (``core.campaigns.form_check``): when anything is wrong, the reply is
the same form again with every value kept and each problem under its input, named by the input's
label in the member's language — never a lost form, never an internal name such as ``reminder_after``.
The campaign keeps every language its template gives (``core.campaigns.languages``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.campaigns import drafts, languages, ownership
from core.campaigns import form as campaign_form
from core.campaigns import lifecycle as campaigns
from core.campaigns.form_check import FormErrors
from core.campaigns.models import Campaign
from core.campaigns.templates import Template, find, templates
from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.errors import InvalidInput, NotFound, ParvisError
from core.groups.lookup import Viewer
from core.i18n import LOCALES
from core.markup import Markup, escape
from core.messages import Button, Form, Reply
from core.ports import ConversationRef

if TYPE_CHECKING:
    from core.campaigns.lifecycle import NewCampaign
    from core.commands import Action

#: this module's commands and actions; ``core/campaigns/wiring.py`` adds them to the registry
handlers = Handlers()

SAVE = "campaign.save"


async def managed(ctx: Context, reference: str, command: str) -> Campaign:
    """The campaign ``reference`` names, if the member may ``command`` it (as ``campaign start``)."""
    campaign = await campaigns.get(ctx.uow, reference)
    facts = await ownership.relations(ctx.uow, campaign, ctx.member_id, ctx.roles)
    if not ctx.may("campaign show", facts):
        raise NotFound("campaign.not_found", ref=reference.strip())
    ctx.require(command, facts, "campaign.not_manager", id=campaign.id, title=campaign.title)
    return campaign


def _template(key: str | None) -> Template | None:
    return next((t for t in templates().values() if t.key == key), None) if key else None


def _form(ctx: Context, template: Template | None) -> Form:
    return campaign_form.build(ctx.t, template, ctx.services.clock.now(), ctx.member.timezone)


@handlers.command("campaign", "new")
async def new(ctx: Context, args: Args) -> Reply:
    """``campaign new [<template>] [name=value …]``: the creation form, prefilled from the template if
    one is named; with ``name=value`` pairs (the form's field names) the campaign is created at once."""
    reference, inline = campaign_form.split_inline(args.text)
    template = find(reference) if reference else None
    form = _form(ctx, template)
    if inline:
        values = campaign_form.defaults(form)
        if unknown := sorted(set(inline) - set(values)):
            raise InvalidInput("campaign.unknown_fields", names=", ".join(unknown), choices=", ".join(values))
        for name in ("title", "prompts"):  # a title or questions of one's own: no template translation
            if name in inline:
                for other in LOCALES:
                    values.pop(f"{name}_{other}", None)
        values.update(inline)
        new_campaign = await _read(ctx, values, form.value, ctx.channel)
        return await _created(ctx, new_campaign, template)
    names = Markup(", ".join(f"`{escape(key)}`" for key in templates()))
    return Reply(text=ctx.t("campaign.new_intro", templates=names), title=form.title, form=form)


@handlers.action("campaign.create")
async def create(ctx: Context, act: Action) -> Reply:
    """The submitted form: every value checked, then a draft campaign with a Start button; or the
    form again, everything kept, each wrong value's problem under its input."""
    template = _template(act.value or None)
    try:
        new_campaign = await _read(ctx, act.values, act.value, act.channel or ctx.channel)
    except FormErrors as errors:
        return again(ctx, _form(ctx, template), act.values, errors)
    return await _created(ctx, new_campaign, template)


async def _read(ctx: Context, values: dict[str, str], template: str,
                channel: ConversationRef | None) -> NewCampaign:
    viewer = Viewer(ctx.member_id, admin="admin" in ctx.roles)
    where = (channel, ctx.actor.platform, ctx.actor.tenant)
    values = campaign_form.untouched(values, _template(template or None))
    try:
        return await campaign_form.read(ctx.uow, viewer, values, template or None, where,
                                        ctx.services.clock.now(), ctx.member.timezone)
    except FormErrors as errors:
        _name_labels(ctx, errors)
        raise


async def _created(ctx: Context, new_campaign: NewCampaign, template: Template | None) -> Reply:
    new_campaign = languages.from_template(new_campaign, template, ctx.locale)
    try:
        campaign = await campaigns.create(ctx.uow, ctx.member, new_campaign, ctx.services.clock.now())
    except ParvisError as error:  # checked already; only a change made meanwhile gets here
        campaign_form.attribute(error, {})
        raise
    return Reply(text=ctx.t("campaign.created", id=campaign.id, title=campaign.title),
                 buttons=(Button(ctx.t("campaign.button_start"), "campaign.start", str(campaign.id),
                                 style="primary"),))


def _labels(ctx: Context) -> dict[str, str]:
    return {item.name: item.label for item in _form(ctx, None).inputs}


def _name_labels(ctx: Context, errors: FormErrors) -> None:
    """An error about a number names its input by the label the member sees, not its internal name."""
    labels = _labels(ctx)
    for name, error in errors.errors.items():
        if "field" in error.params:
            error.params["field"] = labels.get(name, name)
    first = errors.errors[errors.input or ""] if errors.input in errors.errors else None
    if first is not None:
        errors.params = first.params


def again(ctx: Context, form: Form, values: dict[str, str], errors: FormErrors) -> Reply:
    """The form once more, ``values`` kept, each problem under its input and listed in the text."""
    labels = {item.name: item.label for item in form.inputs}
    problems = {name: ctx.t(error.key, **error.params) for name, error in errors.errors.items()}
    lines = [ctx.t("campaign.form_fix", count=len(problems))]
    lines += [ctx.t("campaign.form_problem", label=labels.get(name, Markup(escape(name))), problem=problem)
              for name, problem in problems.items()]
    return Reply(text="\n".join(lines), title=form.title, error=True,
                 form=campaign_form.refill(form, values, problems),
                 extra={"input": errors.input} if errors.input else {})


@handlers.action(campaign_form.CHECK)
async def check_one(ctx: Context, act: Action) -> Reply:
    """One answer of the form checked as it is typed (the console): an error about that input only;
    what depends on inputs still to come is checked again on submit."""
    try:
        await _read(ctx, act.values, "", act.channel or ctx.channel)
    except FormErrors as errors:
        if (error := errors.errors.get(act.value)) is not None:
            return Reply(text=ctx.t(error.key, **error.params), error=True, extra={"input": act.value})
    return Reply(text="", silent=True)


def _edit_form(ctx: Context, campaign: Campaign) -> Form:
    """The creation form, saving into ``campaign``; its other languages asked as the campaign has them
    (a French animator editing an English campaign is asked for its French)."""
    form = _form(ctx, None)
    others = campaign_form.translation_inputs(ctx.t, None, campaign.language)
    names = {item.name for item in campaign_form.translation_inputs(ctx.t, None)}
    inputs = tuple(item for item in form.inputs if item.name not in names) + others
    return Form(ctx.t("campaign.edit_heading", id=campaign.id, title=campaign.title), SAVE,
                ctx.t("campaign.edit_submit"), inputs, str(campaign.id), check_action=form.check_action)


@handlers.command("campaign", "edit", min_args=1)
async def edit(ctx: Context, args: Args) -> Reply:
    """``campaign edit <id>``: the creation form, filled with what the campaign holds."""
    campaign = await managed(ctx, args.tokens[0], "campaign edit")
    await drafts.check_editable(ctx.uow, campaign)
    values = await drafts.form_values(ctx.uow, campaign, ctx.member.timezone,
                                      ctx.t("campaign.form_timezone_local"))
    form = campaign_form.refill(_edit_form(ctx, campaign), values)
    return Reply(text=ctx.t("campaign.edit_intro", id=campaign.id), title=form.title, form=form)


@handlers.action(SAVE)
async def save(ctx: Context, act: Action) -> Reply:
    """The edited form: checked as a new one, then the campaign changed (its status kept)."""
    campaign = await managed(ctx, act.value, "campaign edit")
    await drafts.check_editable(ctx.uow, campaign)
    try:
        new_campaign = await _read(ctx, act.values, campaign.template or "", act.channel or ctx.channel)
    except FormErrors as errors:
        return again(ctx, _edit_form(ctx, campaign), act.values, errors)
    assert campaign.id is not None
    kept = languages.kept_from(new_campaign, campaign, await campaigns.prompts_of(ctx.uow, campaign.id))
    await drafts.update(ctx.uow, campaign, kept, ctx.member_id, ctx.services.clock.now())
    return Reply(text=ctx.t("campaign.edited", id=campaign.id, title=campaign.title))


@handlers.command("campaign", "copy", min_args=1)
async def copy(ctx: Context, args: Args) -> Reply:
    """``campaign copy <id>``: a new draft like it, to adjust with ``campaign edit``."""
    campaign = await managed(ctx, args.tokens[0], "campaign copy")
    twin = await drafts.copy(ctx.uow, campaign, ctx.member, ctx.services.clock.now())
    return Reply(text=ctx.t("campaign.copied", id=campaign.id, new=twin.id, title=twin.title))


@handlers.command("campaign", "delete", min_args=1)
async def delete(ctx: Context, args: Args) -> Reply:
    """``campaign delete <id>``: a draft only; a campaign that ran is closed, not deleted."""
    campaign = await managed(ctx, args.tokens[0], "campaign delete")
    assert campaign.id is not None
    before = ctx.t(f"campaign.status_{campaign.status}")
    try:
        await drafts.remove(ctx.uow, campaign, ctx.member_id, ctx.services.clock.now())
    except ParvisError as error:
        error.params["status"] = before
        raise
    return Reply(text=ctx.t("campaign.deleted", id=campaign.id, title=campaign.title))
