"""PNG charts of ``core.campaigns.reports`` for ``parvis report … --format png``.

matplotlib is imported here, inside the functions, and only through its object API with the Agg
canvas (no pyplot, no display, no global figure state): the server never imports this module, and a
report run pays for matplotlib only when it asks for a PNG.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from core.campaigns.reports import AdoptionReport, CampaignReport, PromptFigures
from core.i18n import Translator

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH = 8.0
ROW_HEIGHT = 2.6
BLUE = "#2f81f7"
GREY = "#8c959f"


def _figure(rows: int) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH, ROW_HEIGHT * max(1, rows)), layout="constrained")


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # the figure draws on an Agg canvas of its own: no global backend
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _wrap(text: str, width: int = 70) -> str:
    return "\n".join(textwrap.wrap(text, width)[:2]) or "—"


def _totals(prompt_rounds: list[PromptFigures]) -> tuple[list[str], list[int]]:
    """A prompt's counts summed over every round, in the prompt's order."""
    totals: dict[str, int] = {}
    for prompt in prompt_rounds:
        pairs = prompt.choices or tuple((str(value), count) for value, count in prompt.scale)
        for label, count in pairs:
            totals[label] = totals.get(label, 0) + count
    return list(totals), list(totals.values())


def _message(axes: Axes, text: str) -> None:
    axes.axis("off")
    axes.text(0.5, 0.5, _wrap(text), ha="center", va="center")


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
        _message(axes[0], t("campaign.report_empty", id=report.id, title=report.title))
    else:
        labels = [t("reports.round", index=round_.index) for round_ in report.rounds]
        rates = [round_.rate or 0 for round_ in report.rounds]
        bars = axes[0].bar(labels, rates, color=BLUE)
        axes[0].bar_label(bars, labels=[f"{r.respondents}/{r.recipients}" for r in report.rounds])
        axes[0].set_ylim(0, 110)
        axes[0].set_ylabel(t("reports.participation_axis"))
    for chart, (position, prompts) in zip(axes[1:], sorted(counted.items()), strict=True):
        shown = [prompt for prompt in prompts if not prompt.hidden]
        if not shown:  # anonymous, too few answers in every round: no bar may give them away
            _message(chart, t("campaign.summary_hidden", minimum=report.minimum))
            chart.set_title(_wrap(f"{position}. {prompts[-1].text}"), loc="left", fontsize="medium")
            continue
        names, counts = _totals(shown)
        chart.barh(names[::-1], counts[::-1], color=GREY if prompts[0].kind == "scale" else BLUE)
        chart.set_title(_wrap(f"{position}. {prompts[-1].text}"), loc="left", fontsize="medium")
        chart.set_xlabel(t("reports.answers_axis"))
        chart.xaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def adoption_png(report: AdoptionReport, t: Translator) -> bytes:
    """Active and new members per week, then each campaign's answer rate over the period."""
    figure = _figure(2)
    figure.suptitle(t("reports.adoption_title", start=report.start.isoformat(), end=report.end.isoformat()))
    weekly, campaigns = figure.subplots(2, 1)
    days = [week.start.strftime("%m-%d") for week in report.weeks]
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
        _message(campaigns, t("reports.no_campaigns"))
    return _png(figure)
