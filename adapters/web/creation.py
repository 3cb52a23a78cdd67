"""Creating a campaign, from scratch or from a template: the form, the preview of its next rounds, and
*Create*.

One page, one form, no JavaScript needed: *Preview* shows the next rounds for sample recipients in
several time zones (``core.web.preview``) under the form, still filled in; *Add a prompt* gives one
more row; *Create* submits the chat's own ``campaign.create`` form through the router, so the same
checks, permission row (animators) and audit apply, and opens the new campaign's page, where *Start*
is. A wrong value shows the form again, everything kept, with the catalog's message next to each wrong
input. The audience is the groups' members or a post in a channel picked from those linked to groups
the member may see (``core.web.preview.channel_choices``); a channel not listed is refused. A template
(``prompts/campaigns``, picked above the form) fills the form in as the chat's ``campaign new
<template>`` does (``core.campaigns.form.build``), in the member's language; its key travels with the
form, so the campaign created records it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from adapters.web import inbound, outbound
from adapters.web.state import CONSOLE, Flash, member
from core.access.rules import permits
from core.access.table import TABLE
from core.campaigns import form as campaign_form
from core.campaigns.form import ACTION
from core.campaigns.form_check import FormErrors
from core.campaigns.schedules import wall_of
from core.campaigns.templates import Template, find, templates
from core.errors import Forbidden, ParvisError
from core.i18n import Translator
from core.markup import plain
from core.messages import Reply
from core.web import preview as previews

routes = web.RouteTableDef()
#: the fields' first values (the chat form's defaults)
DEFAULTS = {"mode": "direct", "time": "09:30", "recurrence": "FREQ=WEEKLY", "timezone": "local",
            "reminders": "1",
            "reminder_after": "24", "close_after": "72", "skip_weekends": "yes"}


def _may_create(request: web.Request) -> None:
    visitor = member(request)
    rule = TABLE["campaign new"]
    if not permits(visitor.roles, rule):
        raise Forbidden(rule.denied)


async def _form_page(request: web.Request, values: dict[str, str], rows: list[inbound.PromptRow],
                     **context: Any) -> web.Response:
    t = outbound.translator(request)
    choices = [(key, template.title_in(t.locale)) for key, template in templates().items()]
    channels = await previews.channel_choices(request.app[CONSOLE].services, member(request))
    context.setdefault("errors", {})
    return outbound.page(request, "new_campaign.html", t("webui.new_title"), values=values, rows=rows,
                         kinds=inbound.KINDS, templates=choices, channels=channels, current="campaigns",
                         **context)


def _problems(t: Translator, errors: FormErrors) -> dict[str, str]:
    """Each wrong input's message, a number's input named by its label (as the chat names it)."""
    found = {}
    for name, error in errors.errors.items():
        params = dict(error.params)
        if "field" in params:
            params["field"] = t(f"campaign.form_{name}")
        found[name] = t(error.key, **params)
    return found


def _listed(t: Translator, problems: dict[str, str]) -> Flash:
    """The notice above the form: how many inputs to fix, and each one's problem by its label."""
    lines = [t("campaign.form_fix", count=len(problems))]
    lines += [t("campaign.form_problem", label=t(f"campaign.form_{name}"), problem=problem)
              for name, problem in problems.items()]
    return Flash("\n".join(lines), True)


def _replied_problems(reply: Reply) -> dict[str, str]:
    """The messages the chat's form put under its inputs."""
    inputs = reply.form.inputs if reply.form is not None else ()
    return {item.name: plain(item.error) for item in inputs if item.error}


def _from_template(request: web.Request, template: Template
                   ) -> tuple[dict[str, str], list[inbound.PromptRow]]:
    """The form's values and prompt rows as the template fills them in, in the member's language."""
    visitor = member(request)
    t = outbound.translator(request)
    chat = campaign_form.defaults(campaign_form.build(t, template, request.app[CONSOLE].services.clock.now(),
                                                      visitor.timezone))
    values = {name: chat.get(name, "") for name in inbound.PLAIN}
    values |= {name: "yes" if chat.get(name) == "yes" else "" for name in inbound.CHECKBOXES}
    values |= {name: chat.get(name, "") for name in inbound.AUDIENCE}
    rows = [inbound.PromptRow(prompt.kind, prompt.text_in(t.locale), " | ".join(prompt.options_in(t.locale)),
                              n + 1) for n, prompt in enumerate(template.prompts)]
    return values | {"template": template.key}, inbound.padded(rows)


@routes.get("/campaigns/new", name="new_campaign")
async def new_page(request: web.Request) -> web.Response:
    _may_create(request)
    visitor = member(request)
    console = request.app[CONSOLE]
    wanted = request.query.get("template", "").strip()[:100]
    if wanted:
        template = find(wanted)
        values, rows = _from_template(request, template)
        return await _form_page(request, values, rows,
                                template_title=template.title_in(outbound.translator(request).locale))
    tomorrow = (wall_of(console.services.clock.now(), visitor.timezone) + timedelta(days=1)).date()
    values = DEFAULTS | {"start": tomorrow.isoformat()}
    return await _form_page(request, values, inbound.rows_to_show({}, more=False))


@routes.post("/campaigns/new")
async def new_submitted(request: web.Request) -> web.StreamResponse:
    _may_create(request)
    visitor = member(request)
    form = await request.post()
    values = inbound.campaign_values(form)
    shown = {name: str(form.get(name, ""))
             for name in (*inbound.PLAIN, *inbound.CHECKBOXES, *inbound.AUDIENCE)}
    template = str(form.get("template", ""))
    shown["template"] = template = template if template in templates() else ""
    do = str(form.get("do", "preview"))
    rows = inbound.rows_to_show(form, more=do == "more")
    console = request.app[CONSOLE]
    t = outbound.translator(request)
    if do == "more":
        return await _form_page(request, shown, rows)
    try:
        if do == "create":
            await previews.check(console.services, visitor, values)
        else:
            found = await previews.preview(console.services, visitor, values)
    except FormErrors as errors:
        problems = _problems(t, errors)
        return await _form_page(request, shown, rows, flash=_listed(t, problems), errors=problems)
    except ParvisError as error:
        said = t(error.key, **error.params)
        return await _form_page(request, shown, rows, flash=Flash(said, True),
                                errors={error.input: said} if error.input else {})
    if do != "create":
        return await _form_page(request, shown, rows, preview=found)
    reply = await console.act(visitor, ACTION, template, values)
    started = [button for button in reply.buttons if button.action_id == "campaign.start"]
    if not reply.error and started:
        raise web.HTTPSeeOther(f"/app/campaigns/{started[0].value}")
    return await _form_page(request, shown, rows, flash=outbound.flash_of(reply),
                            errors=_replied_problems(reply))


def install(app: web.Application) -> None:
    app.add_routes(routes)
