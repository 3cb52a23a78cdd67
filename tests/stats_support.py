"""A small organisation with weeks of raw activity, questions and campaign rounds, written as rows (the
activity through the real batched writer, which keeps the weekly roll-up), and the same data kept in
Python so a test can compute every figure on its own from the raw events."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.runtime.activity_log import activity_log
from core.runtime.db import Database
from core.schema import (
    Answer,
    Campaign,
    CampaignPrompt,
    Delivery,
    Group,
    GroupMember,
    Member,
    MemberRole,
    Question,
    Response,
    Round,
)

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday
#: departments and how many people each has: two are smaller than the anonymity minimum (3)
DEPARTMENTS = {"Sales": 14, "R&D <lab>": 12, "Ops": 8, "Legal": 2, "HR": 1, "": 3}
PLATFORMS = ("slack", "teams")


@dataclass
class Org:
    members: list[dict[str, Any]] = field(default_factory=list)
    roles: list[tuple[int, str]] = field(default_factory=list)
    groups: dict[int, list[tuple[int, datetime]]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, datetime]] = field(default_factory=list)
    #: round id → (due, recipients, respondents)
    rounds: dict[int, tuple[datetime, int, int]] = field(default_factory=dict)

    def live(self) -> list[dict[str, Any]]:
        return [m for m in self.members if m["erased_at"] is None]


async def populate(db: Database, seed: int = 7, weeks: int = 16) -> Org:
    rng = random.Random(seed)
    org = Org()
    start = NOW - timedelta(weeks=weeks)
    async with db.uow() as uow:
        n = 0
        for department, size in DEPARTMENTS.items():
            for _ in range(size):
                n += 1
                created = start + timedelta(days=rng.randrange(0, weeks * 7))
                erased = NOW - timedelta(days=3) if n % 17 == 0 else None
                row = {"id": n, "department": department, "created_at": created, "erased_at": erased}
                org.members.append(row)
                uow.session.add(Member(id=n, email=f"p{n}@example.com", display_name=f"Person {n}",
                                       department=department, created_at=created, erased_at=erased))
        await uow.session.flush()
        for member_id, role in [(1, "animator"), (2, "animator"), (3, "animator"), (4, "animator"),
                                (5, "referent"), (20, "referent"), (30, "admin")]:
            org.roles.append((member_id, role))
            uow.session.add(MemberRole(member_id=member_id, role=role))
        for group_id, name in ((1, "Data Science"), (2, "Cooking"), (3, "Tiny")):
            uow.session.add(Group(id=group_id, slug=name.lower().replace(" ", "-"), name=name))
            size = 2 if name == "Tiny" else rng.randrange(8, 20)
            chosen = rng.sample([m["id"] for m in org.members], size)
            org.groups[group_id] = [(m, start + timedelta(days=rng.randrange(0, weeks * 7))) for m in chosen]
        await uow.session.flush()
        for group_id, rows in org.groups.items():
            for member_id, joined in rows:
                uow.session.add(GroupMember(group_id=group_id, member_id=member_id, joined_at=joined))
        _questions(rng, org, uow, start)
        await uow.session.flush()
        for qid, at in org.answers:
            uow.session.add(Answer(question_id=qid, author_id=1, text="an answer", created_at=at))
        await uow.session.flush()
        await _campaign(rng, org, uow)
        await uow.commit()
    for member in org.members:
        for week in range(weeks + 1):
            if rng.random() < 0.45:
                for _ in range(rng.randrange(1, 4)):
                    at = start + timedelta(weeks=week, minutes=rng.randrange(0, 7 * 24 * 60))
                    if at <= NOW and (member["erased_at"] is None or at < member["erased_at"]):
                        org.events.append({"member_id": member["id"], "kind": "command", "at": at,
                                           "platform": rng.choice(PLATFORMS), "detail": {"name": "help"}})
    log = activity_log(db)
    for event in org.events:
        log.add(event)
    await log.flush()
    return org


def _questions(rng: random.Random, org: Org, uow: Any, start: datetime) -> None:
    for q in range(1, 41):
        asked = start + timedelta(minutes=rng.randrange(0, int((NOW - start).total_seconds() // 60)))
        asker = rng.choice(org.members)["id"]
        fate = rng.choice(("answered", "answered", "reused", "expired", "open"))
        escalated = asked + timedelta(hours=5) if rng.random() < 0.3 else None
        reused = 1 if fate == "reused" and q > 1 else None
        status = {"answered": "answered", "reused": "closed", "expired": "expired", "open": "routed"}[fate]
        org.questions.append({"id": q, "asker": asker, "created_at": asked, "status": status,
                              "escalated": escalated is not None, "reused": reused is not None})
        uow.session.add(Question(id=q, asker_id=asker, text=f"question {q} about things", status=status,
                                 created_at=asked, escalated_at=escalated, reused_from=reused))
        if fate == "answered":
            for k in range(rng.randrange(1, 3)):
                at = asked + timedelta(minutes=rng.randrange(5, 3000) * (k + 1))
                org.answers.append((q, at))


async def _campaign(rng: random.Random, org: Org, uow: Any) -> None:
    uow.session.add(Campaign(id=1, title="Weekly <pulse>", created_by=1, anonymous=True,
                             audience={"groups": [1], "mode": "direct"}, status="running"))
    uow.session.add(CampaignPrompt(id=1, campaign_id=1, position=1, kind="choice", text="OK?",
                                   options=["yes", "no"]))
    await uow.session.flush()
    audience = [m for m, _ in org.groups[1]]
    for index in range(1, 6):
        due = NOW - timedelta(weeks=6 - index, hours=2)
        uow.session.add(Round(id=index, campaign_id=1, index=index, due_at=due))
        await uow.session.flush()
        asked = rng.sample(audience, rng.randrange(3, len(audience) + 1))
        answered = rng.sample(asked, rng.randrange(0, len(asked) + 1))
        org.rounds[index] = (due, len(asked), len(answered))
        for member_id in asked:
            uow.session.add(Delivery(source=f"round:{index}", round_id=index, purpose="prompt",
                                     target_kind="member", target_id=str(member_id), status="sent"))
        for n in range(len(answered)):
            uow.session.add(Response(round_id=index, prompt_id=1, respondent=f"hash-{index}-{n}",
                                     member_id=None, choice="yes", answered_at=due))
