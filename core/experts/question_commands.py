"""Question commands and clicks: ask, question list/close, Ask anyway, Answer (a form), Pass, Helpful.

The decisions live in ``core.experts.questions`` and ``core.experts.routing``; this module reads the
arguments, words the replies, and queues the notices those services return (messages to experts,
referents and askers) to go out after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.commands.context import Context
from core.commands.grammar import Args, Handlers
from core.dates import format_moment
from core.directory import misses
from core.directory.models import Member
from core.experts import questions
from core.experts.models import Question
from core.experts.notices import FALLBACK, duration
from core.experts.routing import NoticeList, Routed, deliver_soon
from core.messages import Button, Form, FormInput, Reply, Section
from core.settings import ExpertSettings
from core.text import shorten

if TYPE_CHECKING:
    from core.commands import Action

#: this module's commands and actions; ``core/experts/wiring.py`` adds them to the registry
handlers = Handlers()

STATUS_KEYS = {s: f"question.status_{s}" for s in
               ("open", "routed", "escalated", "answered", "closed", "expired")}


def _routed_reply(ctx: Context, question: Question, routed: Routed) -> Reply:
    result, stage, why, name = routed.result, routed.stage, routed.why or "why_none", routed.holder
    skills = ", ".join(question.skills) or ctx.t("question.no_skill")
    if result == "routed":
        delay = duration(ctx.t, ctx.services.settings.experts.answer_timeout_minutes)
        if ctx.services.settings.experts.working_hours is None or question.deadline_at is None:
            return Reply(text=ctx.t("question.routed", id=question.id, expert=name, skills=skills,
                                    delay=delay))
        when = format_moment(ctx.locale, question.deadline_at, ctx.member.timezone)
        return Reply(text=ctx.t("question.worktime.routed", id=question.id, expert=name, skills=skills,
                                delay=delay, when=when, zone=ctx.member.timezone))
    if result == "escalated" and stage == FALLBACK:
        return Reply(text=ctx.t("question.handoff.fallback_now", id=question.id, referent=name,
                                skills=skills))
    if result == "escalated":
        return Reply(text=ctx.t("question.escalated_now", id=question.id, referent=name, skills=skills))
    return Reply(text=ctx.t(f"question.handoff.nobody_{why}", id=question.id, skills=skills))


def _policy(ctx: Context) -> ExpertSettings:
    return ctx.services.settings.experts


def _send_after_commit(ctx: Context, notices: NoticeList) -> None:
    """Queue the notices a service returned: they go out once the transaction commits, never if it
    rolls back — beside the reply, not before it (``routing.deliver_soon``)."""
    if notices:
        services = ctx.services
        ctx.after_commit(lambda: deliver_soon(services, notices))


async def _route(ctx: Context, question: Question) -> Reply:
    """Route the question, queue its notices, and tell the asker where it went."""
    routed = await questions.route(ctx.uow, question, ctx.services.clock.now(), _policy(ctx))
    _send_after_commit(ctx, routed.notices)
    return _routed_reply(ctx, question, routed)


def _offer(ctx: Context, question: Question, similar: list[questions.Similar]) -> Reply:
    sections = tuple(Section(text=ctx.t("question.similar_item", id=s.id, question=shorten(s.text, 200),
                                        answer=shorten(s.answer, 600)),
                             buttons=(Button(ctx.t("question.button_reuse"), "question.reuse",
                                             f"{question.id}:{s.id}"),)) for s in similar)
    button = Button(ctx.t("question.button_ask_anyway"), "question.ask", str(question.id), style="primary")
    intro = ctx.t("question.similar_intro", id=question.id)
    return Reply(text="\n\n".join([intro] + [s.text for s in sections]),
                 title=ctx.t("question.similar_title"), sections=sections, buttons=(button,))


@handlers.command("ask", min_args=1)
async def ask(ctx: Context, args: Args) -> Reply:
    """``ask <question>``: offer similar answered questions, else route to an expert.

    Reads first (similar answers, the vocabulary, the first holder), then one write of each row:
    the question saved already routed, its route, its card in the outbox."""
    text = questions.check_text(args.text)
    similar, version = await questions.similar_answered(ctx.uow, text, ctx.member_id)
    now, db = ctx.services.clock.now(), ctx.services.db
    if similar:
        question = await questions.create(ctx.uow, db, ctx.member_id, text, now, version)
        routed = None
    else:
        question, routed = await questions.create_routed(ctx.uow, db, ctx.member_id, text, now, _policy(ctx),
                                                         version)
    if not question.skills:  # counted, anonymously, for ``expert misses``, once the question is saved
        ctx.after_commit(misses.counting(db, text, now, question=True))
    if routed is None:
        return _offer(ctx, question, similar)
    _send_after_commit(ctx, routed.notices)
    return _routed_reply(ctx, question, routed)


@handlers.action("question.ask")
async def ask_anyway(ctx: Context, act: Action) -> Reply:
    """The asker saw the similar answers and still wants an expert."""
    question = await questions.locked(ctx.uow, act.value)
    ctx.require("question.ask", questions.relations(question, ctx.member_id), id=question.id)
    if question.status != "open":
        return Reply(text=ctx.t("question.already_routed", id=question.id))
    return await _route(ctx, question)


@handlers.action("question.reuse")
async def reuse(ctx: Context, act: Action) -> Reply:
    """"This answers my question" under a similar answered question: the asker's question closes,
    counted as answered by reuse (adoption statistics), and no expert is asked."""
    question_id, _, source = act.value.partition(":")
    question = await questions.locked(ctx.uow, question_id)
    ctx.require("question.reuse", questions.relations(question, ctx.member_id), id=question.id)
    await questions.reuse(ctx.uow, question, source, ctx.services.clock.now())
    return Reply(text=ctx.t("question.reused", id=question.id, source=source))


@handlers.action("question.answer")
async def answer_form(ctx: Context, act: Action) -> Reply:
    """The Answer button: a form with one text input, if the question is still this member's."""
    question = await questions.locked(ctx.uow, act.value)
    await questions.own_turn(ctx.uow, question, ctx.member_id, late_ok=True)
    form = Form(title=ctx.t("question.form_title", id=question.id), action_id="question.submit",
                submit_label=ctx.t("question.form_submit"), value=str(question.id),
                inputs=(FormInput("answer", ctx.t("question.form_label"), kind="multiline",
                                  max_length=questions.MAX_ANSWER),))
    return Reply(text=ctx.t("question.form_intro", id=question.id, text=shorten(question.text, 500)),
                 form=form)


async def _answer(ctx: Context, reference: str, text: str) -> Reply:
    """Record the member's answer to the question ``reference`` names (the Answer form's submission
    and ``question answer``): refused, saying why, unless it is theirs to answer."""
    question = await questions.locked(ctx.uow, reference)
    notices = await questions.answer(ctx.uow, question, ctx.member_id, text, ctx.services.clock.now())
    _send_after_commit(ctx, notices)
    asker = await ctx.uow.session.get(Member, question.asker_id) if question.asker_id else None
    name = asker.display_name if asker else "?"
    return Reply(text=ctx.t("question.answer_sent", id=question.id, asker=name))


async def _pass(ctx: Context, reference: str) -> Reply:
    """The member declines the question (the Pass button and ``question pass``): it moves on to the
    next expert, else a referent, else it expires."""
    question = await questions.locked(ctx.uow, reference)
    outcome, routed = await questions.pass_(ctx.uow, question, ctx.member_id, ctx.services.clock.now(),
                                            _policy(ctx))
    _send_after_commit(ctx, routed.notices)
    if routed.result == "nobody":
        return Reply(text=ctx.t("question.referent.passed_last", id=question.id))
    return Reply(text=ctx.t("question.passed" if outcome == "passed" else "question.too_late_moved",
                            id=question.id))


@handlers.action("question.submit")
async def submit(ctx: Context, act: Action) -> Reply:
    """The answer form's submission: ``values["answer"]``."""
    return await _answer(ctx, act.value, act.values.get("answer", ""))


@handlers.action("question.pass")
async def pass_(ctx: Context, act: Action) -> Reply:
    """The Pass button."""
    return await _pass(ctx, act.value)


@handlers.command("question", "answer", min_args=2)
async def answer_command(ctx: Context, args: Args) -> Reply:
    """``question answer <id> <text>``: answer by id, e.g. a question routed while away from the
    keyboard, whose card is long gone."""
    reference, text = args.text.split(None, 1)  # min_args=2: an id, then the answer as typed
    return await _answer(ctx, reference, text)


@handlers.command("question", "pass", min_args=1)
async def pass_command(ctx: Context, args: Args) -> Reply:
    """``question pass <id>``."""
    return await _pass(ctx, args.tokens[0])


@handlers.action("question.helpful")
async def helpful(ctx: Context, act: Action) -> Reply:
    """Helpful / Not helpful, from the asker; value ``<id>:yes|no``."""
    question_id, _, verdict = act.value.partition(":")
    question = await questions.locked(ctx.uow, question_id)
    ctx.require("question.helpful", questions.relations(question, ctx.member_id), id=question.id)
    questions.mark_helpful(question, verdict == "yes")
    return Reply(text=ctx.t("question.thanks_helpful" if verdict == "yes" else "question.thanks_not_helpful"))


def _line(ctx: Context, question: Question, answers: dict[int, tuple[str, str]]) -> str:
    line = ctx.t("question.list_line", id=question.id, status=ctx.t(STATUS_KEYS[question.status]),
                 text=shorten(question.text, 120))
    if question.id in answers and question.asker_id == ctx.member_id:
        text, expert = answers[question.id]
        line += "\n" + ctx.t("question.list_answer", expert=expert, answer=shorten(text, 600))
    return line


@handlers.command("question", "list")
async def list_(ctx: Context, args: Args) -> Reply:
    """My open questions (with the answer's text once answered), those waiting for my answer, and
    (referents) the escalated ones."""
    mine, assigned, escalated = await questions.listing(ctx.uow, ctx.member_id, ctx.roles)
    answers = await questions.latest_answers(ctx.uow, [q.id for q in mine
                                                       if q.status == "answered" and q.id is not None])
    parts = []
    for key, items in (("question.list_mine", mine), ("question.list_assigned", assigned),
                       ("question.list_escalated", escalated)):
        if items:
            parts.append(ctx.t(key) + "\n" + "\n".join(_line(ctx, q, answers) for q in items))
    if not parts:
        return Reply(text=ctx.t("question.list_empty"))
    hint = ctx.t("question.list_hint") if assigned else None
    return Reply(text="\n\n".join(parts), title=ctx.t("question.list_title"), context=hint)


@handlers.command("question", "close", min_args=1)
async def close(ctx: Context, args: Args) -> Reply:
    """``question close <id>``: by the asker (or an admin)."""
    question = await questions.locked(ctx.uow, args.tokens[0])
    ctx.require("question close", questions.relations(question, ctx.member_id), id=question.id)
    notices = await questions.close(ctx.uow, question, ctx.member_id, ctx.services.clock.now())
    _send_after_commit(ctx, notices)
    return Reply(text=ctx.t("question.closed", id=question.id))
