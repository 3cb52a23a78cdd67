"""The outbox: what must be sent, written in the same transaction as the decision to send it.

Whatever Parvis tells people goes through here: a campaign round *materialises* one ``Delivery`` row
per (purpose, target) with ``enqueue``, a routed question its expert's card, an announcement one row
per linked channel — each named by its ``Source`` (``round:12``, ``route:7``, ``announcement:3``); the
dispatcher (``core/delivery/dispatcher.py``) later claims due rows and sends them, and a command sends
its own rows at once after its commit (``core.delivery.immediate``). Writing rows instead of
sending directly is what makes delivery exactly-once across restarts, crashes and several processes:

- ``enqueue`` is idempotent (``INSERT … ON CONFLICT DO NOTHING`` on the unique constraint over
  source, purpose and target), so a round materialised twice — by a retry, or by two processes
  racing — yields one row per target;
- the message is *rendered at send time* by the renderer registered for the row's ``purpose``, so a
  member who opted out, was erased or left the group in the meantime is skipped (renderer returns
  ``None``), and the message is in the member's current language.

A capability adds its renderers to the process's registry in its ``wiring.py``, one row at a time or a
batch at a time (``core.registry.Registry``)::

    registry.add_renderer("prompt", render_prompt)          # (uow, delivery, settings) -> Outgoing | None
    registry.add_batch_renderer("prompt", render_prompts)   # (uow, deliveries, settings) -> list[…]
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from core.delivery.models import Delivery
from core.directory.models import Identity, Member
from core.messages import Reply
from core.ports import ConversationRef, GroupAddress, MemberAddress, SentMessage

if TYPE_CHECKING:
    from core.runtime.db import UnitOfWork
    from core.settings import Settings

TargetKind = Literal["member", "channel"]
#: rows per INSERT statement: keeps each statement well under SQLite's bound-parameter limit
BATCH_SIZE = 500


@dataclass(frozen=True)
class Target:
    """Who a delivery goes to: a member (``id`` is the member id as text) or a channel (an opaque key
    the feature's renderer understands, e.g. a ``GroupChannel`` id)."""

    kind: TargetKind
    id: str

    @classmethod
    def member(cls, member_id: int) -> Target:
        return cls("member", str(member_id))

    @classmethod
    def channel(cls, key: str | int) -> Target:
        return cls("channel", str(key))

    @property
    def member_id(self) -> int | None:
        """The member id of a member target, else ``None``."""
        return int(self.id) if self.kind == "member" else None


@dataclass(frozen=True)
class Source:
    """What a delivery comes from, e.g. ``round:12``, ``route:7``, ``announcement:3``: with its purpose
    and target it names one delivery (``uq_delivery_target``), so enqueueing it again is harmless.
    A round's deliveries also keep ``round_id``, so deleting the round deletes them."""

    kind: str
    id: int | str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def round_id(self) -> int | None:
        return int(self.id) if self.kind == "round" else None


@dataclass(frozen=True)
class Outgoing:
    """A rendered delivery: where to send (a member's direct conversation, a conversation of several
    members, or a channel) and what;
    or, with ``replace``, the message sent earlier that ``reply`` replaces (a card now "answered")."""

    address: MemberAddress | ConversationRef | GroupAddress
    reply: Reply
    replace: SentMessage | None = None


#: renders one outbox row at send time. It gets a read-only unit of work, the claimed ``Delivery``
#: (``source``, ``round_id``, ``target_kind``, ``target_id``, ``payload``) and the process's ``Settings`` (the
#: server secret, the anonymity minimum…), and returns an ``Outgoing``, or ``None``
#: to skip the row for good (member opted out, erased, left the audience, round closed…). It must not
#: write: the dispatcher does not commit its unit of work.
Renderer = Callable[["UnitOfWork", Delivery, "Settings"], Awaitable[Outgoing | None]]
#: renders every claimed row of one purpose at once and returns one result per row, in order — so a
#: batch of recipients costs a few queries, not a few per recipient (see ``addresses_of``). Same rules
#: as ``Renderer``; a purpose's batch renderer takes precedence over its row renderer.
BatchRenderer = Callable[["UnitOfWork", list[Delivery], "Settings"], Awaitable[list[Outgoing | None]]]


async def addresses_of(uow: UnitOfWork, member_ids: Iterable[int]) -> dict[int, MemberAddress]:
    """Where to reach each member directly, in one query: like ``core.directory.members.address_of`` (the
    most recently created identity; erased members have none), for a batch of recipients."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    statement = (
        select(col(Identity.member_id), col(Identity.platform), col(Identity.tenant), col(Identity.user_id))
        .join(Member, col(Member.id) == col(Identity.member_id))
        .where(col(Identity.member_id).in_(ids), col(Member.erased_at).is_(None))
        .order_by(col(Identity.member_id), col(Identity.created_at).desc(), col(Identity.id).desc())
    )
    found: dict[int, MemberAddress] = {}
    for member_id, platform, tenant, user_id in (await uow.session.exec(statement)).all():
        found.setdefault(member_id, MemberAddress(platform=platform, tenant=tenant, user_id=user_id))
    return found


def target_of(delivery: Delivery) -> Target:
    """The ``Target`` a delivery row names."""
    kind: TargetKind = "member" if delivery.target_kind == "member" else "channel"
    return Target(kind, delivery.target_id)


def _rows(source: Source, purpose: str, targets: Iterable[Target],
          due_at: datetime | Mapping[Target, datetime], payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[Target] = set()
    for target in targets:
        if target in seen:
            continue
        seen.add(target)
        due = due_at[target] if isinstance(due_at, Mapping) else due_at
        rows.append({"source": str(source), "round_id": source.round_id, "purpose": purpose,
                     "target_kind": target.kind, "target_id": target.id, "status": "pending", "attempts": 0,
                     "next_attempt_at": due, "payload": dict(payload), "message_ref": {}})
    return rows


async def enqueue(
    uow: UnitOfWork,
    source: Source,
    purpose: str,
    targets: Iterable[Target],
    due_at: datetime | Mapping[Target, datetime],
    *,
    payload: Mapping[str, Any] | None = None,
) -> list[int]:
    """Materialise one pending delivery per target, due at ``due_at`` (one time, or one per target —
    each recipient's local 09:30). Returns the ids of the rows created — what a command hands to
    ``core.delivery.immediate.send_now`` once its transaction commits: rows that already exist for
    (source, purpose, target) are left untouched, so calling this again is harmless.

    Runs in the caller's transaction: the rows appear only if the caller commits.
    """
    rows = _rows(source, purpose, targets, due_at, payload or {})
    created: list[int] = []
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start:start + BATCH_SIZE]
        if len(batch) == 1:  # a question's card, a notice: the statement built once, its values bound
            found = await uow.session.exec(_one_row(uow.dialect), params=batch[0])
        else:
            found = await uow.session.exec(_new_rows(uow.dialect).values(batch))
        created += [int(row_id) for row_id in found.scalars().all()]
    return created


def _new_rows(dialect: str) -> Any:
    """``INSERT`` of deliveries that are not there yet, giving the ids of those it created."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert(Delivery)
            .on_conflict_do_nothing(index_elements=["source", "purpose", "target_kind", "target_id"])
            .returning(col(Delivery.id)))


@lru_cache(maxsize=2)
def _one_row(dialect: str) -> Any:
    """``_new_rows`` for one row with its values bound at execution: built once per process, and
    compiled once (a ``VALUES`` list has no cache key: compiled anew each time, about a
    millisecond — the whole of a routed question's card)."""
    return _new_rows(dialect)
