"""CSV and HTML renderings of ``core.campaigns.reports`` for ``parvis report``.

CSV is "long" (one figure per row, fixed English column names, so a spreadsheet or a script can pivot
it whatever the campaign's questions); HTML is one self-contained page (inline CSS, no script, no
external resource) with tables and bars, every piece of data escaped. Labels come from the message
catalog, in the configured default language. The privacy rules were applied by ``core.campaigns.reports``:
nothing here decides what may be shown.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Iterator
from html import escape

from core.campaigns.expert_questions import ANSWERED
from core.campaigns.reports import AdoptionReport, CampaignReport, PromptFigures, RoundFigures
from core.i18n import Translator
from core.stats.figures import Share, Stats
from core.stats.summary import span

CAMPAIGN_COLUMNS = ("round", "date", "recipients", "respondents", "participation_pct", "position", "question",
                    "kind", "measure", "label", "value", "respondent", "expert_question")
ADOPTION_COLUMNS = ("section", "week", "platform", "campaign_id", "campaign", "metric", "value")


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return out.getvalue()


def _prompt_rows(prompt: PromptFigures, minimum: int) -> Iterator[dict[str, object]]:
    yield {"measure": "answers", "value": prompt.answers}
    if prompt.hidden:
        yield {"measure": "hidden", "label": f"fewer than {minimum} answers"}
    for option, count in prompt.choices:
        yield {"measure": "choice", "label": option, "value": count}
    for value, count in prompt.scale:
        yield {"measure": "scale", "label": value, "value": count}
    if prompt.average is not None:
        yield {"measure": "average", "value": f"{prompt.average:.2f}"}
    for answer in prompt.texts:
        yield {"measure": "text", "value": answer.text, "respondent": answer.who,
               "expert_question": answer.question_status}


def campaign_csv(report: CampaignReport) -> str:
    """One row per figure: answers, each choice count, each scale value, the average, each text — or,
    for an anonymous prompt with too few answers, a ``hidden`` row instead of its figures."""

    def rows() -> Iterator[dict[str, object]]:
        for round_ in report.rounds:
            head = {"round": round_.index, "date": round_.date, "recipients": round_.recipients,
                    "respondents": round_.respondents, "participation_pct": round_.rate}
            for prompt in round_.prompts:
                about = {"position": prompt.position, "question": prompt.text, "kind": prompt.kind}
                for figure in _prompt_rows(prompt, report.minimum):
                    yield {**head, **about, **figure}

    return _csv(CAMPAIGN_COLUMNS, rows())


def adoption_csv(report: AdoptionReport) -> str:
    """Weekly figures (``section=week``; ``platform`` empty for all platforms together), then each
    campaign's answer rate over the period (``section=campaign``)."""

    def rows() -> Iterator[dict[str, object]]:
        for week in report.weeks:
            day = week.start.isoformat()
            yield {"section": "week", "week": day, "metric": "active_members", "value": week.active}
            for platform, count in week.by_platform:
                yield {"section": "week", "week": day, "platform": platform, "metric": "active_members",
                       "value": count}
            for metric, value in (("commands", week.commands), ("clicks", week.clicks),
                                  ("new_members", week.new_members)):
                yield {"section": "week", "week": day, "metric": metric, "value": value}
        for rate in report.campaigns:
            about = {"section": "campaign", "campaign_id": rate.id, "campaign": rate.title}
            for metric, figure in (("rounds", rate.rounds), ("recipients", rate.recipients),
                                   ("respondents", rate.respondents), ("answer_rate_pct", rate.rate)):
                yield {**about, "metric": metric, "value": figure}
        if report.stats is not None:
            yield from _stats_rows(report.stats)

    return _csv(ADOPTION_COLUMNS, rows())


def _share_rows(section: str, rows: tuple[Share, ...]) -> Iterator[dict[str, object]]:
    for row in rows:
        label = row.label if row.label is not None else f"other ({row.merged})"
        for metric, value in (("members", row.members), ("active", row.active), ("active_pct", row.share)):
            yield {"section": section, "campaign": label, "metric": metric, "value": value}


def _stats_rows(stats: Stats) -> Iterator[dict[str, object]]:
    """Departments and roles (``campaign`` holds the department or role; none about fewer than the
    anonymity minimum, small departments gathered as ``other (n)``), then the expert figures."""
    yield from _share_rows("department", stats.departments)
    yield from _share_rows("role", stats.roles)
    experts = stats.experts
    for metric, value in (("asked", experts.asked), ("answered", experts.answered),
                          ("reused", experts.reused), ("escalated", experts.escalated),
                          ("expired", experts.expired),
                          ("median_minutes_to_first_answer", experts.median_minutes),
                          ("p90_minutes_to_first_answer", experts.p90_minutes)):
        yield {"section": "experts", "metric": metric,
               "value": round(value, 1) if isinstance(value, float) else value}


# -- HTML --------------------------------------------------------------------------------------------

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:60rem;
margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
h3{font-size:1rem;margin-bottom:.3rem}
table{border-collapse:collapse;margin:.4rem 0 1rem}td,th{padding:.2rem .6rem;text-align:left;
vertical-align:top}th{border-bottom:1px solid #d0d7de}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#eaeef2;width:12rem;height:.8rem;border-radius:3px}
.bar span{display:block;background:#2f81f7;height:100%;border-radius:3px}
.note{color:#57606a}ul{margin-top:.2rem}img.chart{display:block;max-width:100%;margin:1rem 0}
"""


def _page(t: Translator, title: str, body: list[str]) -> str:
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{escape(t.locale)}">', "<head>", '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<h1>{escape(title)}</h1>", *body, "</body>", "</html>", ""])


def _bar(count: int, total: int) -> str:
    width = round(100 * count / total) if total else 0
    return f'<div class="bar"><span style="width:{width}%"></span></div>'


def _counts(rows: Iterable[tuple[str, int]], total: int) -> str:
    cells = [f'<tr><td>{escape(label)}</td><td>{_bar(count, total)}</td><td class="n">{count}</td></tr>'
             for label, count in rows]
    return "<table>" + "".join(cells) + "</table>"


def _prompt_html(t: Translator, prompt: PromptFigures, minimum: int) -> list[str]:
    parts = [f"<h3>{prompt.position}. {escape(prompt.text)}</h3>",
             f"<p>{escape(t.plural('campaign.summary_answers', prompt.answers))}</p>"]
    if prompt.hidden:
        hidden = t("campaign.summary_hidden", minimum=minimum)
        parts.append(f'<p class="note">{escape(hidden)}</p>')
    if prompt.choices:
        parts.append(_counts(prompt.choices, prompt.answers))
    if prompt.scale:
        if prompt.average is not None:
            parts.append(f"<p>{escape(t('campaign.summary_average', average=f'{prompt.average:.1f}'))}</p>")
        parts.append(_counts(((str(value), count) for value, count in prompt.scale), prompt.answers))
    if prompt.texts:
        items = []
        for answer in prompt.texts:
            who = f" — {escape(answer.who)}" if answer.who else ""
            asked = ""
            if answer.question_status is not None:
                key = ("campaign.summary_question_answered" if answer.question_status in ANSWERED
                       else "campaign.summary_question_waiting")
                asked = f' <span class="note">{escape(t(key))}</span>'
            items.append(f"<li>{escape(answer.text)}{who}{asked}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    return parts


def _round_html(t: Translator, title: str, round_: RoundFigures, minimum: int) -> list[str]:
    if round_.rate is not None:
        head = t("campaign.summary_participation", respondents=round_.respondents,
                 recipients=round_.recipients, rate=round_.rate)
    else:
        head = t("campaign.summary_respondents", respondents=round_.respondents)
    heading = t("campaign.summary_title", title=title, index=round_.index, date=round_.day)
    parts = [f"<h2>{escape(heading)}</h2>", f"<p>{escape(head)}</p>"]
    for prompt in round_.prompts:
        parts += _prompt_html(t, prompt, minimum)
    return parts


def campaign_html(report: CampaignReport, t: Translator) -> str:
    title = t("campaign.report_title", id=report.id, title=report.title)
    body: list[str] = []
    if report.anonymous:
        body.append(f'<p class="note">{escape(t("campaign.summary_anonymous"))}</p>')
    if not report.rounds:
        body.append(f"<p>{escape(t('campaign.report_empty', id=report.id, title=report.title))}</p>")
    for round_ in report.rounds:
        body += _round_html(t, report.title, round_, report.minimum)
    return _page(t, title, body)


def _shares_html(t: Translator, heading: str, rows: tuple[Share, ...]) -> list[str]:
    def label(row: Share) -> str:
        return row.label if row.label is not None else t.plural("stats.other_departments", row.merged)

    cells = [f"<tr><td>{escape(label(row))}</td>"
             f'<td class="n">{row.active}/{row.members}</td><td>{_bar(row.active, row.members)}</td></tr>'
             for row in rows]
    return [f"<h2>{escape(heading)}</h2>", "<table>" + "".join(cells) + "</table>"]


def _stats_html(t: Translator, stats: Stats, chart: bytes | None) -> list[str]:
    """The chart, the departments and roles (privacy rules applied by ``core.stats``), the experts."""
    body = []
    if chart is not None:
        alt = t("stats.chart_alt", start=stats.start, end=stats.end)
        body.append(f'<img class="chart" alt="{escape(alt)}" '
                    f'src="data:image/png;base64,{base64.b64encode(chart).decode()}">')
    body += _shares_html(t, t("reports.departments"), stats.departments)
    body += _shares_html(t, t("reports.roles"), stats.roles)
    experts = stats.experts
    lines = [t("stats.questions", asked=experts.asked, answered=experts.answered,
               answered_share=f"{experts.share(experts.answered)} %", reused=experts.reused,
               reused_share=f"{experts.share(experts.reused)} %", escalated=experts.escalated,
               escalated_share=f"{experts.share(experts.escalated)} %", expired=experts.expired,
               expired_share=f"{experts.share(experts.expired)} %")]
    if experts.median_minutes is not None and experts.p90_minutes is not None:
        lines.append(t("stats.answer_times", median=span(t, experts.median_minutes),
                       p90=span(t, experts.p90_minutes)))
    body += [f"<h2>{escape(t('reports.experts'))}</h2>", *(f"<p>{escape(line)}</p>" for line in lines)]
    return body


def adoption_html(report: AdoptionReport, t: Translator, chart: bytes | None = None) -> str:
    title = t("reports.adoption_title", start=report.start, end=report.end)
    peak = max((week.active for week in report.weeks), default=0)
    heads = [t("reports.week"), t("reports.active"), "",
             *(t("reports.active_on", platform=platform) for platform in report.platforms),
             t("reports.commands"), t("reports.clicks"), t("reports.new_members")]
    rows = []
    for week in report.weeks:
        on = dict(week.by_platform)
        cells = [f"<td>{escape(t.day(week.start))}</td>", f'<td class="n">{week.active}</td>',
                 f"<td>{_bar(week.active, peak)}</td>",
                 *(f'<td class="n">{on.get(platform, 0)}</td>' for platform in report.platforms),
                 f'<td class="n">{week.commands}</td>', f'<td class="n">{week.clicks}</td>',
                 f'<td class="n">{week.new_members}</td>']
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = ["<table><tr>" + "".join(f"<th>{escape(head)}</th>" for head in heads) + "</tr>"
            + "".join(rows) + "</table>", f"<h2>{escape(t('reports.campaigns'))}</h2>"]
    if report.campaigns:
        heads = [t("reports.campaign"), t("reports.rounds"), t("reports.recipients"),
                 t("reports.respondents"), t("reports.rate"), ""]
        rows = [f"<tr><td>#{rate.id} {escape(rate.title)}</td><td class=\"n\">{rate.rounds}</td>"
                f"<td class=\"n\">{rate.recipients}</td><td class=\"n\">{rate.respondents}</td>"
                f"<td class=\"n\">{'' if rate.rate is None else f'{rate.rate} %'}</td>"
                f"<td>{_bar(rate.respondents, rate.recipients)}</td></tr>" for rate in report.campaigns]
        body.append("<table><tr>" + "".join(f"<th>{escape(head)}</th>" for head in heads) + "</tr>"
                    + "".join(rows) + "</table>")
    else:
        body.append(f"<p>{escape(t('reports.no_campaigns'))}</p>")
    if report.stats is not None:
        body += _stats_html(t, report.stats, chart)
    body.append(f'<p class="note">{escape(t("reports.privacy_note"))}</p>')
    return _page(t, title, body)
