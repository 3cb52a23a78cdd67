"""core.campaigns.aggregates: the figures counted in SQL equal ``summaries.summarise``'s, answer for
answer, on a seeded campaign — anonymous or not, prompts below and above the anonymity minimum, an
erased author, texts that became expert questions, empty texts, ties — and the report built on them
withholds what the rule says."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from core.campaigns import aggregates
from core.campaigns.models import Campaign, CampaignPrompt, Response, Round
from core.campaigns.reports import campaign_report
from core.campaigns.summaries import RoundSummary, summarise
from core.delivery.models import Delivery
from core.directory.models import Member
from core.experts.models import Question
from core.runtime.db import Database

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
TEXTS = ("zèbre", "Apple", "apple", "éclair", "fine", "fine", "", "banana", "Zoo", "ça va")


async def _seed(db: Database, anonymous: bool) -> Campaign:
    """Twelve members (one erased), three rounds: 10, 2 and 0 answers, with every kind of prompt."""
    rng = random.Random(7)
    async with db.uow() as uow:
        members = [Member(email=f"m{n}@example.com", display_name=f"Member {n}",
                          erased_at=NOW if n == 3 else None) for n in range(12)]
        uow.session.add_all(members)
        campaign = Campaign(title="Pulse", anonymous=anonymous, status="running", created_by=None)
        uow.session.add(campaign)
        await uow.session.flush()
        assert campaign.id is not None
        prompts = [CampaignPrompt(campaign_id=campaign.id, position=1, kind="text", text="Why?"),
                   CampaignPrompt(campaign_id=campaign.id, position=2, kind="choice", text="Which?",
                                  options=["A", "B", "C"]),
                   CampaignPrompt(campaign_id=campaign.id, position=3, kind="scale", text="How much?")]
        questions = [Question(text="asked", status=status) for status in ("open", "answered")]
        uow.session.add_all([*prompts, *questions])
        await uow.session.flush()
        for index, answering in ((1, 10), (2, 2), (3, 0)):
            round_ = Round(campaign_id=campaign.id, index=index, due_at=NOW + timedelta(weeks=index),
                           wall=f"2026-03-{8 + index:02d}T09:30")
            uow.session.add(round_)
            await uow.session.flush()
            for n, member in enumerate(members):
                uow.session.add(Delivery(source=f"round:{round_.id}", round_id=round_.id, purpose="prompt",
                                         target_kind="member", target_id=str(member.id),
                                         status="sent" if n != 11 else "failed"))
                if n >= answering:
                    continue
                at = round_.due_at if anonymous else NOW + timedelta(minutes=n % 4)   # ties in time
                key = f"anon:{n}" if anonymous else str(member.id)
                who = None if anonymous else member.id
                question = questions[n % 2].id if n % 3 == 0 else None
                uow.session.add_all([
                    Response(round_id=round_.id, prompt_id=prompts[0].id, respondent=key, member_id=who,
                             text=TEXTS[n % len(TEXTS)], question_id=question, answered_at=at),
                    Response(round_id=round_.id, prompt_id=prompts[1].id, respondent=key, member_id=who,
                             choice=rng.choice(["A", "B", "Z"]), answered_at=at),
                    *([Response(round_id=round_.id, prompt_id=prompts[2].id, respondent=key, member_id=who,
                                scale=rng.randrange(1, 6), answered_at=at)] if n % 4 else [])])
        await uow.commit()
    return campaign


def _figures(summary: RoundSummary) -> tuple[object, ...]:
    return (summary.round.id, summary.recipients, summary.respondents,
            [(p.prompt.id, p.answers, dict(p.choices), dict(p.scale), p.texts) for p in summary.prompts])


async def _both(db: Database, campaign: Campaign, texts: int | None = None
                ) -> tuple[list[RoundSummary], list[RoundSummary]]:
    async with db.uow() as uow:
        rounds = list((await uow.session.exec(Round.__table__.select().order_by(Round.index))).all())  # type: ignore[attr-defined]
        found = [await uow.session.get(Round, row.id) for row in rounds]
        old = [await summarise(uow, campaign, r) for r in found if r is not None]
        new = await aggregates.summarise_rounds(uow, campaign, [r for r in found if r is not None], texts)
    return old, new


@pytest.mark.parametrize("anonymous", [False, True])
async def test_sql_counts_equal_the_summary_of_every_answer(db: Database, anonymous: bool) -> None:
    campaign = await _seed(db, anonymous)
    old, new = await _both(db, campaign)
    assert [_figures(s) for s in new] == [_figures(s) for s in old]
    texts = old[0].prompts[0].texts
    assert len(texts) == 9 and all(new_p.more_texts == 0 for s in new for new_p in s.prompts)
    if anonymous:
        assert [text for _, text, _ in texts] == sorted(text for _, text, _ in texts)
        assert all(who is None for who, _, _ in texts)
    else:
        assert ("Member 3" not in {who for who, _, _ in texts}) and None in {who for who, _, _ in texts}
    assert {status for _, _, status in texts} == {None, "open", "answered"}
    assert (old[2].respondents, old[2].recipients) == (0, 11) == (new[2].respondents, new[2].recipients)


@pytest.mark.parametrize("anonymous", [False, True])
async def test_a_capped_list_of_texts_is_the_first_ones_and_counts_the_rest(db: Database,
                                                                           anonymous: bool) -> None:
    campaign = await _seed(db, anonymous)
    old, new = await _both(db, campaign, texts=4)
    assert new[0].prompts[0].texts == old[0].prompts[0].texts[:4]
    assert new[0].prompts[0].more_texts == 5 and new[1].prompts[0].more_texts == 0
    assert new[1].prompts[0].texts == old[1].prompts[0].texts


async def test_the_report_withholds_anonymous_prompts_below_the_minimum(db: Database) -> None:
    await _seed(db, anonymous=True)
    report = await campaign_report(db, "1", 3)
    first, second, third = report.rounds
    assert not any(p.hidden for p in first.prompts) and first.prompts[0].texts
    assert [p.answers for p in second.prompts] == [2, 2, 1]
    for prompt in (*second.prompts, *third.prompts):
        assert prompt.hidden and not (prompt.texts or prompt.choices or prompt.scale)
        assert prompt.average is None
    capped = await campaign_report(db, "1", 3, texts=2)
    assert capped.rounds[0].prompts[0].more_texts == 7 and len(capped.rounds[0].prompts[0].texts) == 2
    raised = await campaign_report(db, "1", 11)
    assert all(p.hidden for r in raised.rounds for p in r.prompts)
