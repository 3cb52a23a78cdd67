"""PNG charts of ``core.campaigns.reports`` for ``parvis report … --format png``.

Drawn with the helpers of ``core.stats.charts`` (matplotlib imported inside them, object API on an
Agg canvas of the figure's own): the server never imports this module, and a report run pays for
matplotlib only when it asks for a PNG.
"""

from __future__ import annotations

from typing import Any

from core.campaigns.reports import AdoptionReport, CampaignReport, PromptFigures
from core.dates import format_short_day
from core.i18n import Translator
from core.stats.charts import BLUE, GREY, message, participation
from core.stats.charts import figure as _figure
from core.stats.charts import png as _png
from core.stats.charts import wrap as _wrap


def _totals(prompt_rounds: list[PromptFigures]) -> tuple[list[str], list[int]]:
    """A prompt's counts summed over every round, in the prompt's order."""
    totals: dict[str, int] = {}
    for prompt in prompt_rounds:
        pairs = prompt.choices or tuple((str(value), count) for value, count in prompt.scale)
        for label, count in pairs:
            totals[label] = totals.get(label, 0) + count
    return list(totals), list(totals.values())


def campaign_png(report: CampaignReport, t: Translator) -> bytes:
    """Participation per round, then for each choice or scale question its answers over all rounds —
    the rounds whose figures are withheld (anonymous, too few answers) left out of the sums."""
    counted: dict[int, list[PromptFigures]] = {}
    for round_ in report.rounds:
        for prompt in round_.prompts:
            if prompt.kind in ("choice", "scale"):
                counted.setdefault(prompt.position, []).append(prompt)
    figure = _figure(1 + len(counted))
    figure.suptitle(_wrap(t("campaign.report_title", id=report.id, title=report.title)))
    axes = figure.subplots(1 + len(counted), 1, squeeze=False)[:, 0]
    if not report.rounds:
        message(axes[0], t("campaign.report_empty", id=report.id, title=report.title))
    else:
        participation(axes[0], t, [t("reports.round", index=round_.index) for round_ in report.rounds],
                      [round_.rate for round_ in report.rounds],
                      [f"{r.respondents}/{r.recipients}" for r in report.rounds])
    for chart, (position, prompts) in zip(axes[1:], sorted(counted.items()), strict=True):
        shown = [prompt for prompt in prompts if not prompt.hidden]
        if not shown:  # anonymous, too few answers in every round: no bar may give them away
            message(chart, t("campaign.summary_hidden", minimum=report.minimum))
            chart.set_title(_wrap(f"{position}. {prompts[-1].text}"), loc="left", fontsize="medium")
            continue
        names, counts = _totals(shown)
        answer_bars(chart, names, counts, GREY if prompts[0].kind == "scale" else BLUE)
        chart.set_title(_wrap(f"{position}. {prompts[-1].text}"), loc="left", fontsize="medium")
        chart.set_xlabel(t("reports.answers_axis"))
    return _png(figure)


def answer_bars(chart: Any, names: list[str], counts: list[int], color: str) -> None:
    """One bar per answer, the first on top, on a whole-number axis from 0: from 0 to 1 when nobody
    answered (matplotlib would centre an empty range on 0, from −0.04 to 0.04)."""
    chart.barh(names[::-1], counts[::-1], color=color)
    if any(counts):
        chart.set_xlim(left=0)
    else:
        chart.set_xlim(0, 1)
    chart.xaxis.get_major_locator().set_params(integer=True)


def adoption_png(report: AdoptionReport, t: Translator) -> bytes:
    """Active and new members per week, then each campaign's answer rate over the period."""
    figure = _figure(2)
    figure.suptitle(t("reports.adoption_title", start=report.start, end=report.end))
    weekly, campaigns = figure.subplots(2, 1)
    days = [format_short_day(t.locale, week.start) for week in report.weeks]
    weekly.plot(days, [week.active for week in report.weeks], marker="o", color=BLUE,
                label=t("reports.active"))
    weekly.plot(days, [week.new_members for week in report.weeks], marker=".", color=GREY,
                label=t("reports.new_members"))
    weekly.set_xlabel(t("reports.week"))
    weekly.set_ylim(bottom=0)
    weekly.yaxis.get_major_locator().set_params(integer=True)
    weekly.legend(loc="upper left")
    if report.campaigns:
        names = [_wrap(f"#{rate.id} {rate.title}", 30) for rate in report.campaigns][::-1]
        rates = [rate.rate or 0 for rate in report.campaigns][::-1]
        bars = campaigns.barh(names, rates, color=BLUE)
        campaigns.bar_label(bars, labels=[f"{rate.respondents}/{rate.recipients}"
                                          for rate in report.campaigns][::-1])
        campaigns.set_xlim(0, 110)
        campaigns.set_xlabel(t("reports.rate") + " (%)")
    else:
        message(campaigns, t("reports.no_campaigns"))
    return _png(figure)
