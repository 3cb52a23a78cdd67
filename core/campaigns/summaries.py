"""Round summaries and campaign reports: participation, choice counts, scale averages, text answers.

Anonymous campaigns show no names anywhere, and no figure of an anonymous prompt — its texts, its
choice counts, its scale values, distribution and average — unless at least ``minimum`` people
answered it (``[campaigns] anonymity_min``, never below ``core.settings.ANONYMITY_FLOOR``): with one
answer out of three, "1 × 4" is that person's answer, and with two, each knows the other's. Every
output (the chat's report and round summaries, CSV, HTML, PNG, exports) goes through ``withheld``,
so the rule is decided here once. Anonymous texts are listed in alphabetical order, not the order
they came in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, func, select

from core.campaigns.answers import responses_of
from core.campaigns.expert_questions import ANSWERED, statuses
from core.campaigns.lifecycle import prompts_of
from core.campaigns.models import Campaign, CampaignPrompt, Round
from core.delivery.models import Delivery
from core.directory.models import Member
from core.i18n import Translator
from core.markup import escape
from core.messages import Reply, Section
from core.runtime.db import UnitOfWork
from core.text import shorten

TEXTS_SHOWN = 20
BAR = 10


@dataclass
class PromptSummary:
    prompt: CampaignPrompt
    answers: int = 0
    choices: Counter[str] = field(default_factory=Counter)
    scale: Counter[int] = field(default_factory=Counter)
    #: (who — only when not anonymous, the text, the status of the expert question it became)
    texts: list[tuple[str | None, str, str | None]] = field(default_factory=list)
    #: text answers not listed in ``texts`` (a page showing only the first ones; the CSV has them all)
    more_texts: int = 0

    @property
    def average(self) -> float | None:
        total = sum(self.scale.values())
        return sum(k * v for k, v in self.scale.items()) / total if total else None


@dataclass
class RoundSummary:
    round: Round
    recipients: int
    respondents: int
    prompts: list[PromptSummary]

    @property
    def rate(self) -> int | None:
        return round(100 * self.respondents / self.recipients) if self.recipients else None


def withheld(anonymous: bool, item: PromptSummary, minimum: int) -> bool:
    """Whether every figure of this prompt must stay hidden: anonymous, and fewer than ``minimum``
    answers."""
    return anonymous and item.answers < minimum


async def _recipients(uow: UnitOfWork, round_id: int) -> int:
    statement = select(func.count()).select_from(Delivery).where(
        Delivery.round_id == round_id, Delivery.purpose == "prompt", Delivery.target_kind == "member",
        Delivery.status == "sent")
    return int((await uow.session.exec(statement)).one())


async def _names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await uow.session.exec(select(Member).where(col(Member.id).in_(ids)))).all()
    return {m.id: m.display_name for m in rows if m.id is not None and m.erased_at is None}


async def summarise(uow: UnitOfWork, campaign: Campaign, round_: Round) -> RoundSummary:
    """Count one round's answers; names only for campaigns that are not anonymous."""
    assert campaign.id is not None and round_.id is not None
    prompts = {p.id: PromptSummary(p) for p in await prompts_of(uow, campaign.id)}
    responses = await responses_of(uow, round_.id)
    names = {} if campaign.anonymous else await _names(
        uow, {r.member_id for r in responses if r.member_id is not None})
    asked = await statuses(uow, {r.question_id for r in responses if r.question_id is not None})
    for response in responses:
        summary = prompts.get(response.prompt_id)
        if summary is None:
            continue
        summary.answers += 1
        if response.choice is not None:
            summary.choices[response.choice] += 1
        if response.scale is not None:
            summary.scale[response.scale] += 1
        if response.text:
            who = names.get(response.member_id or 0) if not campaign.anonymous else None
            summary.texts.append((who, response.text, asked.get(response.question_id or 0)))
    if campaign.anonymous:
        for summary in prompts.values():
            summary.texts.sort(key=lambda found: found[1])
    respondents = len({r.respondent for r in responses})
    return RoundSummary(round_, await _recipients(uow, round_.id), respondents, list(prompts.values()))


def _bar(count: int, total: int) -> str:
    filled = round(BAR * count / total) if total else 0
    return "█" * filled + "░" * (BAR - filled)


def _asked(t: Translator, status: str | None) -> str:
    """Whether the expert question an answer became was answered."""
    if status is None:
        return ""
    return " " + t("campaign.summary_question_answered" if status in ANSWERED
                   else "campaign.summary_question_waiting")


def _prompt_text(t: Translator, item: PromptSummary, anonymous: bool, minimum: int) -> str:
    lines = [f"**{item.prompt.position}.** {escape(item.prompt.text)}",
             t.plural("campaign.summary_answers", item.answers)]
    if withheld(anonymous, item, minimum):
        lines.append(t("campaign.summary_hidden", minimum=minimum))
    elif item.prompt.kind == "choice":
        for option in item.prompt.options:
            count = item.choices.get(option, 0)
            lines.append(f"{_bar(count, item.answers)} {escape(option)} — {count}")
    elif item.prompt.kind == "scale" and item.average is not None:
        lines.append(t("campaign.summary_average", average=f"{item.average:.1f}"))
        lines += [f"{value} {_bar(item.scale.get(value, 0), item.answers)} {item.scale.get(value, 0)}"
                  for value in range(1, 6)]
    elif item.prompt.kind == "text" and item.texts:
        lines += [f"• {escape(shorten(text, 300))}" + (f" — {escape(who)}" if who else "") + _asked(t, status)
                  for who, text, status in item.texts[:TEXTS_SHOWN]]
    return "\n".join(lines)


def render(t: Translator, campaign: Campaign, summary: RoundSummary, minimum: int) -> Reply:
    """The summary of one round as a message (``minimum``: ``[campaigns] anonymity_min``)."""
    if summary.rate is not None:
        head = t("campaign.summary_participation", respondents=summary.respondents,
                 recipients=summary.recipients, rate=summary.rate)
    else:
        head = t("campaign.summary_respondents", respondents=summary.respondents)
    sections = tuple(Section(text=_prompt_text(t, item, campaign.anonymous, minimum))
                     for item in summary.prompts)
    title = t("campaign.summary_title", title=campaign.title, index=summary.round.index,
              date=date.fromisoformat(summary.round.wall[:10]))
    context = t("campaign.summary_anonymous") if campaign.anonymous else None
    text = "\n\n".join([head, *(section.text for section in sections)])
    return Reply(text=text, title=title, sections=(Section(text=head), *sections), context=context,
                 locale=t.locale)


async def rounds_of(uow: UnitOfWork, campaign_id: int, limit: int = 5) -> list[Round]:
    statement = (select(Round).where(Round.campaign_id == campaign_id)
                 .order_by(col(Round.index).desc()).limit(limit))
    return list((await uow.session.exec(statement)).all())


EXPORT_COLUMNS = ("round", "date", "question", "kind", "answer", "respondent")


async def export_rows(uow: UnitOfWork, campaign: Campaign, minimum: int) -> list[dict[str, str]]:
    """Every answer of a campaign, one row each.

    Anonymous campaigns export no name and no time beyond the round's date; answers are shuffled
    within each round into a stable but meaningless order (by text), so row order reveals nothing; an
    anonymous prompt with fewer than ``minimum`` answers in a round exports one row saying so instead
    of its answers.
    """
    assert campaign.id is not None
    prompts = {p.id: p for p in await prompts_of(uow, campaign.id)}
    rounds_ = (await uow.session.exec(select(Round).where(Round.campaign_id == campaign.id)
                                      .order_by(col(Round.index)))).all()
    rows: list[dict[str, str]] = []
    for round_ in rounds_:
        assert round_.id is not None
        responses = await responses_of(uow, round_.id)
        names = {} if campaign.anonymous else await _names(
            uow, {r.member_id for r in responses if r.member_id is not None})
        counts = Counter(response.prompt_id for response in responses)
        found: list[dict[str, str]] = []
        withheld_prompts: set[int] = set()
        for response in responses:
            prompt = prompts.get(response.prompt_id)
            if prompt is None or response.prompt_id in withheld_prompts:
                continue
            value = response.text or response.choice or (str(response.scale) if response.scale else "")
            if campaign.anonymous and counts[response.prompt_id] < minimum:
                withheld_prompts.add(response.prompt_id)
                value = f"(fewer than {minimum} answers)"
            who = "" if campaign.anonymous else names.get(response.member_id or 0, "")
            found.append({"round": str(round_.index), "date": round_.wall[:10], "question": prompt.text,
                          "kind": prompt.kind, "answer": value, "respondent": who})
        if campaign.anonymous:
            found.sort(key=lambda row: (row["question"], row["answer"]))
        rows += found
    return rows
