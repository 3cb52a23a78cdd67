"""The App Home tab: what is waiting for the member, their groups, open questions and campaigns.

Published with ``views.publish`` when ``app_home_opened`` arrives. Everything shown comes from the
core's ``core.overview``, built on the functions behind ``group list``, ``question list`` and
``campaign list``, and on top what ``inbox`` lists, with the same buttons (``core.inbox.view``): the
Home tab shows a member what those commands would, worded in their language. A click on the Home
tab has no message to answer under: its reply comes in the member's direct messages.
"""

from __future__ import annotations

from typing import Any

from adapters.slack.outbound import (
    MAX_MODAL_BLOCKS,
    Block,
    cut,
    mrkdwn,
    plain,
    section,
    sections_of,
    to_mrkdwn,
)
from core.commands import Actor
from core.i18n import Translator
from core.inbox.view import sections_of as inbox_sections
from core.overview import Overview, QuestionItem, overview
from core.services import Services

#: groups shown at most (the member's groups are all in ``group list``)
LIST_LIMIT = 15


def _question_lines(t: Translator, title: str, items: tuple[QuestionItem, ...]) -> list[str]:
    """One part of ``question list``, in its words."""
    if not items:
        return []
    return [t(title)] + [t("question.list_line", id=q.id, status=t(f"question.status_{q.status}"),
                           text=cut(q.text, 120)) for q in items]


def _lines(found: Overview, t: Translator) -> tuple[list[str], list[str], list[str]]:
    groups = [t("slack.home_group_line", name=item.name, slug=item.slug) for item in found.groups]
    questions = (_question_lines(t, "question.list_mine", found.asked)
                 + _question_lines(t, "question.list_assigned", found.assigned)
                 + _question_lines(t, "question.list_escalated", found.escalated))
    campaigns = [t("campaign.list_line", id=c.id, title=c.title, status=t(f"campaign.status_{c.status}"))
                 for c in found.campaigns]
    return groups[:LIST_LIMIT], questions, campaigns


def _part(title: str, lines: list[str], empty: str) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(title, 150)}]
    blocks += sections_of("\n".join(lines) or empty)
    return blocks


async def home_view(services: Services, actor: Actor, command: str) -> dict[str, Any]:
    """The ``home`` view for one member, in their language."""
    found = await overview(services, actor)
    t = Translator(found.locale)
    groups, questions, campaigns = _lines(found, t)
    blocks: list[Block] = sections_of(t("slack.home_intro", command=command))
    blocks.append({"type": "header", "text": plain(t("inbox.title"), 150)})
    waiting = inbox_sections(t, found.inbox, found.timezone)
    blocks += [block for item in waiting for block in section(item)] or sections_of(t("inbox.empty"))
    blocks += _part(t("slack.home_groups"), groups, t("slack.home_no_groups", command=command))
    blocks += _part(t("slack.home_questions"), questions, t("slack.home_no_questions", command=command))
    blocks += _part(t("slack.home_campaigns"), campaigns, t("slack.home_no_campaigns"))
    blocks.append({"type": "divider"})
    shortcuts = to_mrkdwn(t("slack.home_shortcuts", command=command))
    blocks.append({"type": "context", "elements": [mrkdwn(shortcuts)]})
    return {"type": "home", "blocks": blocks[:MAX_MODAL_BLOCKS]}
