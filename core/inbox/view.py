"""The inbox in words: one section per waiting item, each with the buttons that act on it.

Shared by the ``inbox`` command and the Slack Home tab, so both show the same items and actions.
The buttons are the ones the original messages carried (Answer / Pass on a question card, Helpful /
Not helpful under an answer) plus Open for a prompt (``campaign.reopen``).
"""

from __future__ import annotations

from core.dates import format_moment
from core.experts.models import Question
from core.i18n import Translator
from core.inbox.waiting import Inbox, ReceivedAnswer, WaitingPrompt
from core.messages import Button, Reply, Section
from core.text import shorten


def _question(t: Translator, question: Question, zone: str) -> Section:
    due = (t("inbox.question_due", when=format_moment(t.locale, question.deadline_at, zone))
           if question.deadline_at else "")
    text = t("inbox.question_line", id=question.id, text=shorten(question.text, 300)) + due
    value = str(question.id)
    return Section(text=text, buttons=(Button(t("question.button_answer"), "question.answer", value,
                                              style="primary"),
                                       Button(t("question.button_pass"), "question.pass", value)))


def _prompt(t: Translator, waiting: WaitingPrompt, zone: str) -> Section:
    closes = waiting.round.closes_at
    when = format_moment(t.locale, closes, zone) if closes else "—"
    text = t.plural("inbox.prompt_line", waiting.unanswered, title=waiting.campaign.title,
                    of_total=t.plural("inbox.of_total", waiting.total), when=when)
    return Section(text=text, buttons=(Button(t("inbox.button_open"), "campaign.reopen",
                                              str(waiting.round.id), style="primary"),))


def _answer(t: Translator, received: ReceivedAnswer) -> Section:
    question = received.question
    text = t("inbox.answer_line", id=question.id, question=shorten(question.text, 200),
             expert=received.expert, answer=shorten(received.text, 1500))
    return Section(text=text, buttons=(
        Button(t("question.button_helpful"), "question.helpful", f"{question.id}:yes"),
        Button(t("question.button_not_helpful"), "question.helpful", f"{question.id}:no")))


def sections_of(t: Translator, inbox: Inbox, zone: str) -> list[Section]:
    """Each part under its heading; empty parts are left out."""
    parts: list[tuple[str, list[Section]]] = [
        ("inbox.part_questions", [_question(t, q, zone) for q in inbox.assigned]),
        ("inbox.part_prompts", [_prompt(t, p, zone) for p in inbox.prompts]),
        ("inbox.part_answers", [_answer(t, a) for a in inbox.answers]),
    ]
    sections: list[Section] = []
    for heading, items in parts:
        if items:
            sections += [Section(text=f"**{t(heading)}**"), *items]
    return sections


def inbox_reply(t: Translator, inbox: Inbox, zone: str) -> Reply:
    """The ``inbox`` reply: every waiting item with its actions, or a clear "nothing waiting"."""
    if inbox.empty:
        return Reply(text=t("inbox.empty"), title=t("inbox.title"))
    sections = tuple(sections_of(t, inbox, zone))
    return Reply(text="\n\n".join(s.text for s in sections), title=t("inbox.title"), sections=sections,
                 context=t("inbox.hint"))
