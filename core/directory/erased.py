"""Erased members, recognised without being kept: by their address, and by a process that still knows them.

Erasing a member (``core.privacy.erasure``) blanks their e-mail address, yet two things must still
know that an address belongs to someone who asked to be forgotten: the directory import (an HR file
that still lists them must not bring them back) and the configuration's ``[roles]`` (an address listed
there is not made a member again). ``Member.erased_key`` keeps HMAC-SHA256(server secret, address):
holding the secret, Parvis recognises the address; the database alone holds no address, and no hash
anyone could test guesses against without the secret. Secrets used before a rotation
(``[security] previous_secret_keys``) still recognise what was erased under them.

Someone erased may come back: a new identity on Slack or Teams makes a new member, who holds the
address again, and from then on the import and ``[roles]`` update that new member as any other.

A process that resolved the member a moment before their erasure still holds them in its actor cache
(``core.runtime.actor_cache``, for up to ``ACTOR_TTL_SECONDS``): ``erased_at`` lets it notice before it
saves anything for them, and ``forget`` drops them from its cache.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from core.directory.models import Member
from core.runtime.actor_cache import actor_cache

if TYPE_CHECKING:
    from core.runtime.db import UnitOfWork
    from core.services import Services


def key_of(email: str, secret: str) -> str:
    """The key an erased address is recognised by under ``secret``."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


async def erased_among(uow: UnitOfWork, emails: Iterable[str], secrets: tuple[str, ...]) -> set[str]:
    """Those of ``emails`` that belonged to an erased member (none without a secret to recognise them)."""
    wanted = {key_of(email, secret): email.strip().lower()
              for email in emails for secret in secrets}
    if not wanted:
        return set()
    statement = select(Member.erased_key).where(col(Member.erased_key).in_(wanted))
    found = (await uow.session.exec(statement)).all()
    return {wanted[key] for key in found if key is not None}


async def was_erased(services: Services, email: str) -> bool:
    """Whether ``email`` belonged to a member erased at their request (an entry point: its own
    transaction)."""
    async with services.db.uow() as uow:
        return bool(await erased_among(uow, [email], services.settings.security.keys))


#: ``session.info`` key: the members a statement of this transaction already found not erased, under
#: the same lock ``erased_at`` takes (``vouch``)
_ALIVE = "parvis.erased.alive"


def vouch(uow: UnitOfWork, member_id: int) -> None:
    """A statement of this transaction read the member's row as not erased, under a share lock held
    until the end of the transaction on PostgreSQL (``FOR SHARE``), and as a write on SQLite (whose
    write turn is held until the end too): ``erased_at`` answers without asking again."""
    uow.session.info.setdefault(_ALIVE, set()).add(member_id)


async def erased_at(uow: UnitOfWork, member_id: int) -> datetime | None:
    """When the member was erased, if they were. Read under a share lock on PostgreSQL: an erasure
    (which locks the row first, ``core.privacy.erasure``) either waits for this transaction, and then
    erases what it wrote too, or committed before, and this read sees it. ``None`` without a
    statement when one of this transaction already read it so (``vouch``)."""
    if member_id in uow.session.info.get(_ALIVE, ()):
        return None
    statement = select(Member.erased_at).where(Member.id == member_id).with_for_update(read=True)
    return (await uow.session.exec(statement)).first()


def forget(services: Services, member_id: int) -> None:
    """Stop resolving anyone to ``member_id`` from this process's cache (found erased by another
    process: the cache would otherwise keep them for up to ``ACTOR_TTL_SECONDS``)."""
    actor_cache(services.db).forget({member_id})
