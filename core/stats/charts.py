"""PNG charts of adoption figures: ``stats``, ``campaign report`` and ``parvis report``.

matplotlib is imported inside the functions, and only through its object API on an Agg canvas of the
figure's own (no pyplot, no display, no global state, so drawing in a worker thread is safe): a process
that never draws a chart never imports it. The text on a chart is the catalogs' (a ``Translator``),
member text (a campaign's title) is drawn as text, never parsed as markup (``usetex`` and mathtext
are off for it: a ``$`` in a title stays a dollar sign).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.dates import format_day, format_short_day
from core.i18n import Translator
from core.stats.figures import CampaignFigure, Stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH = 8.0
ROW_HEIGHT = 2.6
BLUE = "#2f81f7"
GREY = "#8c959f"
#: dots per inch of the PNG: 8 × 5.2 inches at 90 dpi is 720 × 468 pixels, within Teams' 1024 × 1024
DPI = 90
#: the colours of the PNG's palette: enough for antialiased text on two blues and greys
COLOURS = 16


def figure(rows: int, width: float = WIDTH, row_height: float = ROW_HEIGHT) -> Figure:
    """A figure of ``rows`` charts one above the other."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, row_height * max(1, rows)), layout="constrained")


def png(drawn: Figure, dpi: float = DPI, colours: int = COLOURS) -> bytes:
    """The figure as PNG bytes, drawn on an Agg canvas of its own, then reduced to a palette of
    ``colours`` (a third of the size: a chart then travels inside a Teams card, 28 KB in all)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as Picture  # Pillow comes with matplotlib

    FigureCanvasAgg(drawn)  # the figure draws on a canvas of its own: no global backend
    drawn_png = io.BytesIO()
    drawn.savefig(drawn_png, format="png", dpi=dpi, metadata={"Software": None})
    drawn_png.seek(0)
    out = io.BytesIO()
    with Picture.open(drawn_png) as picture:
        picture.convert("RGB").quantize(colours, method=Picture.Quantize.MEDIANCUT).save(
            out, format="PNG", optimize=True)
    return out.getvalue()


def wrap(text: str, width: int = 70) -> str:
    return "\n".join(textwrap.wrap(text, width)[:2]) or "—"


def message(axes: Axes, text: str) -> None:
    """An empty chart that says why it is empty."""
    axes.axis("off")
    axes.text(0.5, 0.5, wrap(text), ha="center", va="center", usetex=False, parse_math=False)


def title(axes: Axes, text: str) -> None:
    axes.set_title(wrap(text), loc="left", fontsize="medium", usetex=False, parse_math=False)


def participation(axes: Axes, t: Translator, labels: Sequence[str], rates: Sequence[int | None],
                  counts: Sequence[str]) -> None:
    """Vertical bars of participation (%) with "answered/asked" over each."""
    bars = axes.bar(list(labels), [rate or 0 for rate in rates], color=BLUE)
    axes.bar_label(bars, labels=list(counts))
    axes.set_ylim(0, 110)
    axes.set_ylabel(t("reports.participation_axis"))


def _weekly(axes: Axes, stats: Stats, t: Translator) -> None:
    title(axes, t("stats.chart_weekly"))
    if stats.withheld or not stats.weeks:
        message(axes, t("stats.withheld", minimum=stats.minimum))
        return
    days = [format_short_day(t.locale, week.start) for week in stats.weeks]
    shares = [week.share or 0 for week in stats.weeks]
    axes.plot(days, shares, marker="o", color=BLUE)
    axes.set_ylim(0, max(105, *shares) + 5)
    axes.set_ylabel("%")
    axes.set_xlabel(t("reports.week"))
    if len(days) > 13:  # one label in four keeps them readable over half a year or more
        for n, label in enumerate(axes.get_xticklabels()):
            label.set_visible(n % 4 == 0)


def _campaigns(axes: Axes, campaigns: Sequence[CampaignFigure], t: Translator) -> None:
    title(axes, t("stats.chart_campaigns"))
    rated = [c for c in campaigns if c.rate is not None][-8:]
    if not rated:
        message(axes, t("reports.no_campaigns"))
        return
    names = [wrap(f"#{c.id} {c.title}", 30) for c in rated][::-1]
    bars = axes.barh(names, [c.rate or 0 for c in rated][::-1], color=BLUE)
    for label in axes.get_yticklabels():
        label.set_parse_math(False)
    axes.bar_label(bars, labels=[f"{c.respondents}/{c.recipients}" for c in rated][::-1])
    axes.set_xlim(0, 110)
    axes.set_xlabel(t("reports.participation_axis"))


def stats_png(stats: Stats, t: Translator) -> bytes:
    """Weekly active share over the period, then participation per campaign."""
    drawn = figure(2)
    drawn.suptitle(t("stats.chart_title", start=format_day(t.locale, stats.start),
                     end=format_day(t.locale, stats.end)),
                   parse_math=False)
    weekly, campaigns = drawn.subplots(2, 1)
    _weekly(weekly, stats, t)
    _campaigns(campaigns, stats.campaigns, t)
    return png(drawn)


def campaign_png(campaign: CampaignFigure, t: Translator) -> bytes:
    """One campaign's participation, round by round."""
    drawn = figure(1)
    drawn.suptitle(wrap(t("stats.chart_campaign", id=campaign.id, title=campaign.title)), parse_math=False)
    axes = drawn.subplots(1, 1)
    if not campaign.rounds:
        message(axes, t("reports.no_campaigns"))
    else:
        participation(axes, t, [t("reports.round", index=r.index) for r in campaign.rounds],
                      [r.rate for r in campaign.rounds],
                      [f"{r.respondents}/{r.recipients}" for r in campaign.rounds])
    return png(drawn)
