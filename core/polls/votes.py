"""Polls and their votes: create, vote (one per member, moved by voting again), close, count.

Anonymous polls keep the core's anonymity rules (``core.campaigns.answers`` for campaigns): a vote
is stored under ``voter`` = ``anon:`` + HMAC-SHA256(server secret, poll salt : member id), with no
member id, the poll's creation time instead of the click's and a random row id, so the database
alone does not say who voted what; with the secret Parvis recognises the member's own vote (to move
or withdraw it), which is the one link, as for campaign answers. When the poll closes, its anonymous
votes are written again in random order under random voters: nobody can link them any more, and
nobody needs to (a closed poll takes no vote). The message shows counts only, never names, and for
an anonymous poll only once ``[campaigns] anonymity_min`` people voted (``core.polls.rendering``).

Voting for the option one already chose withdraws the vote (a click toggles, as in Slack's own
polls): so a member can always take their vote back, which a poll that only moves votes would not
allow.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete
from sqlmodel import col, select

from core.errors import ConfigError, Conflict, NotFound
from core.polls.models import Poll, PollVote
from core.polls.parsing import PollText
from core.ports import ConversationRef
from core.runtime.db import UnitOfWork
from core.settings import SecuritySettings

ANONYMOUS = "anon:"
Outcome = Literal["voted", "moved", "withdrawn"]


def new_vote_id() -> int:
    """A random row id: the order votes came in must not be the order of their ids."""
    return secrets.randbelow(2**62) + 1


def voter_keys(poll: Poll, member_id: int, security: SecuritySettings) -> tuple[str, ...]:
    """How the member's vote is stored: their id, or for an anonymous poll the keyed hash under the
    current secret, then under each previous one (votes cast before a rotation)."""
    if not poll.anonymous:
        return (str(member_id),)
    if not security.secret_key:
        raise ConfigError("no server secret ([security] secret_key): anonymous votes cannot be keyed")
    message = f"{poll.anonymity_salt}:{poll.id}:{member_id}".encode()
    return tuple(ANONYMOUS + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
                 for secret in (security.secret_key, *security.previous_secret_keys))


async def create(uow: UnitOfWork, asked: PollText, author_id: int, where: ConversationRef, locale: str,
                 now: datetime) -> Poll:
    """A new open poll posted in ``where``, in the author's language."""
    poll = Poll(question=asked.question, options=list(asked.options), author_id=author_id,
                anonymous=asked.anonymous, anonymity_salt=secrets.token_hex(16) if asked.anonymous else "",
                locale=locale, platform=where.platform, tenant=where.tenant, conversation=where.channel,
                thread=where.thread, created_at=now)
    uow.session.add(poll)
    await uow.session.flush()
    return poll


async def locked(uow: UnitOfWork, poll_id: int) -> Poll:
    """The poll, locked for this transaction (votes of one poll take turns), or ``NotFound``."""
    found = (await uow.session.exec(select(Poll).where(col(Poll.id) == poll_id).with_for_update())).first()
    if found is None:
        raise NotFound("poll.not_found", id=poll_id)
    return found


async def vote(uow: UnitOfWork, poll: Poll, member_id: int, option: int, now: datetime,
               security: SecuritySettings) -> Outcome:
    """Record the member's vote for ``option`` (an index into the options): a first vote, a vote
    moved from another option, or — the same option again — withdrawn. ``Conflict`` once closed."""
    assert poll.id is not None
    if poll.closed_at is not None:
        raise Conflict("poll.closed", question=poll.question)
    if not 0 <= option < len(poll.options):
        raise NotFound("poll.no_such_option")
    keys = voter_keys(poll, member_id, security)
    mine = (await uow.session.exec(select(PollVote).where(
        col(PollVote.poll_id) == poll.id, col(PollVote.voter).in_(keys)))).all()
    if any(row.option == option for row in mine):
        await _drop(uow, mine)
        return "withdrawn"
    await _drop(uow, mine)
    uow.session.add(PollVote(id=new_vote_id(), poll_id=poll.id, voter=keys[0],
                             member_id=None if poll.anonymous else member_id, option=option,
                             voted_at=poll.created_at if poll.anonymous else now))
    await uow.session.flush()
    return "moved" if mine else "voted"


async def _drop(uow: UnitOfWork, rows: Sequence[PollVote]) -> None:
    for row in rows:
        await uow.session.delete(row)
    await uow.session.flush()


async def close(uow: UnitOfWork, poll: Poll, now: datetime) -> None:
    """Close the poll; an anonymous one's votes are rewritten in random order under random voters."""
    if poll.closed_at is not None:
        raise Conflict("poll.already_closed", question=poll.question)
    poll.closed_at = now
    uow.session.add(poll)
    if poll.anonymous:
        await _unlink(uow, poll)
    await uow.session.flush()


async def _unlink(uow: UnitOfWork, poll: Poll) -> None:
    options = list((await uow.session.exec(select(PollVote.option).where(
        col(PollVote.poll_id) == poll.id))).all())
    await uow.session.exec(delete(PollVote).where(col(PollVote.poll_id) == poll.id))
    random.SystemRandom().shuffle(options)
    assert poll.id is not None
    for option in options:
        uow.session.add(PollVote(id=new_vote_id(), poll_id=poll.id, voter="closed:" + secrets.token_hex(16),
                                 option=option, voted_at=poll.created_at))


@dataclass(frozen=True)
class Tally:
    """How many votes each option has, and how many people voted."""

    counts: tuple[int, ...]

    @property
    def voters(self) -> int:
        return sum(self.counts)


async def tally(uow: UnitOfWork, poll: Poll) -> Tally:
    found = Counter((await uow.session.exec(select(PollVote.option).where(
        col(PollVote.poll_id) == poll.id))).all())
    return Tally(tuple(found.get(n, 0) for n in range(len(poll.options))))
