"""The words of ``stats`` and of the weekly digest: a short summary of a ``Stats``, in neutral markup.

Names that come from people (departments, groups, campaign titles) are values of ``t()``, which
escapes them: they are shown as typed, never read as markup.
"""

from __future__ import annotations

from core.i18n import Translator
from core.messages import Section
from core.stats.figures import CampaignFigure, ExpertFigures, PairingFigures, Share, Stats

SEPARATOR = " · "


def span(t: Translator, minutes: float) -> str:
    """A duration as people read it: ``45 min``, ``3 h 05``, ``2 d 4 h``."""
    whole = round(minutes)
    if whole < 60:
        return t("stats.minutes", minutes=whole)
    if whole < 48 * 60:
        return t("stats.hours", hours=whole // 60, minutes=f"{whole % 60:02d}")
    return t("stats.days", days=whole // 1440, hours=whole % 1440 // 60)


def _share(value: int | None) -> str:
    return "—" if value is None else f"{value} %"


def _activity(t: Translator, stats: Stats, digest: bool) -> str:
    """Who was active: the last week of the period and the whole period; for the digest (one week,
    already over) "last week" only."""
    week = stats.last_week
    counts = {"active": week.active if week else 0, "population": week.population if week else 0,
              "share": _share(week.share if week else None)}
    if digest:
        lines = [t("digest.active", **counts)]
    else:
        lines = [t("stats.active", **counts, period=stats.active, period_share=_share(stats.share),
                   weeks=len(stats.weeks))]
    if week and week.by_platform:
        lines.append(t("digest.platforms" if digest else "stats.platforms",
                       platforms=", ".join(f"{p} {n}" for p, n in week.by_platform)))
    return "\n".join(lines)


def _row(t: Translator, row: Share, other: str) -> str:
    name = row.label if row.label else (t("stats.no_department") if row.label == "" else other)
    return t("stats.row", name=name, active=row.active, members=row.members, share=_share(row.share))


def _departments(t: Translator, stats: Stats) -> str:
    if not stats.departments:
        return t("stats.departments_hidden", minimum=stats.minimum)
    rows = [_row(t, row, t.plural("stats.other_departments", row.merged)) for row in stats.departments]
    return t("stats.departments", rows=SEPARATOR.join(rows))


def _roles(t: Translator, stats: Stats) -> str:
    rows = [_row(t, Share(t(f"stats.role_{row.label}"), row.members, row.active), "") for row in stats.roles]
    text = t("stats.roles", rows=SEPARATOR.join(rows)) if rows else ""
    if stats.hidden_roles:
        text = (text + " " if text else "") + t.plural("stats.roles_hidden", stats.hidden_roles,
                                                       minimum=stats.minimum)
    return text


def _groups(t: Translator, stats: Stats) -> str:
    if not stats.groups:
        return t("stats.no_groups", minimum=stats.minimum)
    rows = [t("stats.group", name=g.name, active=g.active, members=g.members, joined=g.joined)
            for g in stats.groups]
    return t("stats.groups", rows=SEPARATOR.join(rows))


def campaign_line(t: Translator, campaign: CampaignFigure) -> str:
    trend = campaign.trend
    text = t.plural("stats.campaign", len(campaign.rounds), id=campaign.id, title=campaign.title,
                    rate=_share(campaign.rate), respondents=campaign.respondents,
                    recipients=campaign.recipients)
    if trend is not None:
        text += " " + t("stats.trend", points=f"{trend:+d}")
    return text


def _campaigns(t: Translator, stats: Stats) -> str:
    if not stats.campaigns:
        return t("stats.no_campaigns")
    return t("stats.campaigns") + "\n" + "\n".join(f"• {campaign_line(t, c)}" for c in stats.campaigns)


def experts_line(t: Translator, figures: ExpertFigures) -> str:
    if not figures.asked:
        return t("stats.no_questions")
    text = t("stats.questions", asked=figures.asked, answered=figures.answered,
             answered_share=_share(figures.share(figures.answered)), reused=figures.reused,
             reused_share=_share(figures.share(figures.reused)), escalated=figures.escalated,
             escalated_share=_share(figures.share(figures.escalated)), expired=figures.expired,
             expired_share=_share(figures.share(figures.expired)))
    if figures.median_minutes is not None and figures.p90_minutes is not None:
        text += " " + t("stats.answer_times", median=span(t, figures.median_minutes),
                        p90=span(t, figures.p90_minutes))
    return text


def pairing_line(t: Translator, figures: PairingFigures) -> str:
    """How many coffee pairs met; nothing when no pairing round started in the period."""
    if not figures.pairs:
        return ""
    return t("stats.pairing", rounds=t.plural("stats.rounds", figures.rounds),
             pairs=t.plural("stats.pairs", figures.pairs), met=figures.met, share=_share(figures.share))


def sections(t: Translator, stats: Stats, *, digest: bool = False) -> tuple[Section, ...]:
    """The summary, one section per subject; ``digest``: worded for the weekly digest (one week,
    already over)."""
    if stats.withheld:
        parts = [t("stats.withheld", minimum=stats.minimum)]
    else:
        parts = [_activity(t, stats, digest), _departments(t, stats), _roles(t, stats), _groups(t, stats)]
    parts += [_campaigns(t, stats), experts_line(t, stats.experts), pairing_line(t, stats.pairing)]
    return tuple(Section(text=part) for part in parts if part)
