"""``parvis report campaign ID`` and ``parvis report adoption`` (DESIGN.md §4).

The figures come from ``core.campaigns.reports`` (which applies the anonymity and erasure rules); this module
parses the command line, picks the format and writes the result to stdout or ``--output FILE``.
Exit status: 0 on success, 2 for a bad argument, an unknown campaign, an unusable database or an
unwritable output file (the reason on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from adapters.console.outbound import printable
from bots import report_formats, server_secret
from bots.cli import config_option
from bots.cli_database import DatabaseUnusable, with_database
from bots.config import Config, load_config
from core.campaigns import reports
from core.errors import NotFound, OperatorError
from core.i18n import Translator
from core.ports import SystemClock
from core.runtime.db import Database

FORMATS = ("csv", "png", "html")
EPILOG = """\
--format csv (the default) prints one figure per row, with fixed column names:
  campaign: round,date,recipients,respondents,participation_pct,position,question,kind,
            measure,label,value,respondent,expert_question
            (measure: answers, choice, scale, average, text or hidden)
  adoption: section,week,platform,campaign_id,campaign,metric,value
--format html writes one self-contained page; --format png a chart (give --output FILE, or redirect).
Anonymous campaigns never name anyone, and a question of theirs answered by fewer than [campaigns]
anonymity_min people (3 unless raised) shows no figure: no text, count, value or average
(measure: hidden). Erased members count in no adoption figure."""


class ReportError(OperatorError):
    """A bad argument or an unusable input: the message is for the admin, the exit status 2."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser("report", help="campaign results and adoption statistics (CSV, HTML, PNG)")
    kinds = report.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    campaign = kinds.add_parser("campaign", help="the results of one campaign, round by round", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    campaign.add_argument("id", metavar="ID", help="the campaign's number (as in `campaign list`)")
    _output_options(campaign)
    campaign.set_defaults(func=run_campaign)
    adoption = kinds.add_parser("adoption", help="weekly active members, commands, new members and "
                                "campaign answer rates", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    adoption.add_argument("--weeks", default="8", metavar="N",
                          help=f"how many weeks, the current one included (1–{reports.MAX_WEEKS}, default 8)")
    _output_options(adoption)
    adoption.set_defaults(func=run_adoption)


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="csv", help="csv (default), png or html")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
    config_option(parser)


def run_campaign(args: argparse.Namespace) -> int:
    config = server_secret.provide(load_config(args.config))  # [roles] recognises erased addresses
    t = Translator(config.i18n.default_locale, plain=True)
    reference = args.id.strip().lstrip("#")
    if not reference.isdigit():
        return _fail(t("reports.bad_id", ref=args.id))

    async def gather(db: Database) -> reports.CampaignReport:
        try:
            return await reports.campaign_report(db, reference, config.settings().campaigns.anonymity_min)
        except NotFound as exc:
            raise ReportError(t("reports.no_campaign", ref=reference)) from exc

    return _produce(args, config, t, gather)


def run_adoption(args: argparse.Namespace) -> int:
    config = server_secret.provide(load_config(args.config))  # [roles] recognises erased addresses
    t = Translator(config.i18n.default_locale, plain=True)
    weeks = args.weeks.strip()
    if not weeks.isdigit() or not 1 <= int(weeks) <= reports.MAX_WEEKS:
        return _fail(t("reports.bad_weeks", max=reports.MAX_WEEKS))

    async def gather(db: Database) -> reports.AdoptionReport:
        return await reports.adoption_report(db, SystemClock().now(), int(weeks),
                                             config.settings().campaigns.anonymity_min)

    return _produce(args, config, t, gather)


def _produce(args: argparse.Namespace, config: Config, t: Translator,
             gather: Callable[[Database], Awaitable[reports.CampaignReport | reports.AdoptionReport]]) -> int:
    """Gather the report's figures, render them in the asked format and write them; 0, or 2 with a message."""
    try:
        report = with_database(config, gather)
        content = _render(args.format, t, report)
        _write(t, args.output, content)
    except (ReportError, DatabaseUnusable) as error:
        return _fail(str(error))
    return 0


def _fail(message: str) -> int:
    print(f"parvis report: {message}", file=sys.stderr)
    return 2


def _render(kind: str, t: Translator, report: reports.CampaignReport | reports.AdoptionReport) -> str | bytes:
    if kind == "png":
        from bots import report_charts  # matplotlib only when a chart is asked for

        if isinstance(report, reports.CampaignReport):
            return report_charts.campaign_png(report, t)
        return report_charts.adoption_png(report, t)
    if isinstance(report, reports.CampaignReport):
        if kind == "html":
            return report_formats.campaign_html(report, t)
        return report_formats.campaign_csv(report)
    if kind == "html":
        from core.stats import charts  # matplotlib only when a chart is drawn

        chart = charts.stats_png(report.stats, t) if report.stats is not None else None
        return report_formats.adoption_html(report, t, chart)
    return report_formats.adoption_csv(report)


def _write(t: Translator, output: str | None, content: str | bytes) -> None:
    if output is None:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                raise ReportError(t("reports.png_to_terminal"))
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:  # a terminal obeys control characters in answers and titles: show them inert
            sys.stdout.write(printable(content) if sys.stdout.isatty() else content)
        return
    path = Path(output)
    try:
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    except OSError as exc:
        raise ReportError(t("reports.cannot_write", path=path, reason=exc.strerror or exc)) from exc
