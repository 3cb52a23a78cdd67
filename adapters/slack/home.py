"""The App Home tab: the member's groups, open questions and running campaigns, and how to start.

Published with ``views.publish`` when ``app_home_opened`` arrives. It reads through the core's own
lookups (``group_lookup.summaries``) so privacy rules are the same as in ``group list``.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from adapters.slack.outbound import MAX_MODAL_BLOCKS, Block, cut, mrkdwn, plain, sections_of, to_mrkdwn
from core.commands import Actor
from core.directory.members import resolve_actor
from core.groups import lookup as group_lookup
from core.i18n import Translator
from core.schema import Campaign, Question
from core.services import Services

LIST_LIMIT = 15


async def _lines(services: Services, actor: Actor, t: Translator) -> tuple[list[str], list[str], list[str]]:
    member, roles = await resolve_actor(services, actor)
    assert member.id is not None
    t.locale = member.locale  # every line in the member's language, as the core's replies are
    async with services.db.uow() as uow:
        viewer = group_lookup.Viewer(member_id=member.id, admin="admin" in roles)
        mine = [item for item in await group_lookup.summaries(uow, viewer) if item.my_role is not None]
        groups = [t("slack.home_group_line", name=item.group.name, slug=item.group.slug) for item in mine]
        asked = (await uow.session.exec(
            select(Question)
            .where(Question.asker_id == member.id, col(Question.status).in_(("open", "routed")))
            .order_by(col(Question.created_at).desc()).limit(LIST_LIMIT))).all()
        questions = [t("slack.home_question_line", id=q.id, text=cut(q.text, 120)) for q in asked]
        running = (await uow.session.exec(
            select(Campaign).where(Campaign.status == "running")
            .order_by(col(Campaign.id)).limit(LIST_LIMIT))).all()
        campaigns = [t("slack.home_campaign_line", id=c.id, title=c.title) for c in running]
    return groups[:LIST_LIMIT], questions, campaigns


def _part(title: str, lines: list[str], empty: str) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(title, 150)}]
    blocks += sections_of("\n".join(lines) or empty)
    return blocks


async def home_view(services: Services, actor: Actor, command: str) -> dict[str, Any]:
    """The ``home`` view for one member, in their language."""
    t = Translator(actor.locale or services.settings.default_locale)
    groups, questions, campaigns = await _lines(services, actor, t)
    blocks: list[Block] = sections_of(t("slack.home_intro", command=command))
    blocks += _part(t("slack.home_groups"), groups, t("slack.home_no_groups", command=command))
    blocks += _part(t("slack.home_questions"), questions, t("slack.home_no_questions", command=command))
    blocks += _part(t("slack.home_campaigns"), campaigns, t("slack.home_no_campaigns"))
    blocks.append({"type": "divider"})
    shortcuts = to_mrkdwn(t("slack.home_shortcuts", command=command))
    blocks.append({"type": "context", "elements": [mrkdwn(shortcuts)]})
    return {"type": "home", "blocks": blocks[:MAX_MODAL_BLOCKS]}
