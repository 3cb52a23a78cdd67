"""Rendering claimed outbox rows at send time, through the renderers of the process's registry.

The registry is read through ``Renderers``, the two tables this module needs, declared here: rendering
is low in the core (the dispatcher, hence every handler that sends at once, depends on it), the
registry high (it holds the handlers), and the low does not import the high.

Kept apart from the dispatcher, which only needs one result per row: an ``Outgoing``, ``None``
(skip for good), the reason no renderer exists (fail for good), or the exception a renderer raised
(retry later). One bad renderer or row never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from core.delivery.outbox import BatchRenderer, Outgoing, Renderer

if TYPE_CHECKING:
    from core.delivery.models import Delivery
    from core.runtime.db import Database, UnitOfWork
    from core.settings import Settings

log = logging.getLogger(__name__)

#: what rendering a row gave: a message, ``None`` (skip), why it can never render, or a render error
Rendered = Outgoing | None | str | Exception


class Renderers(Protocol):
    """The renderers of each delivery purpose (``core.registry.Registry`` has them)."""

    @property
    def renderers(self) -> Mapping[str, Renderer]: ...

    @property
    def batch_renderers(self) -> Mapping[str, BatchRenderer]: ...


async def render_rows(db: Database, registry: Renderers, rows: list[Delivery],
                      settings: Settings) -> list[Rendered]:
    """Render claimed rows in one read-only unit of work, one result per row, in order; the renderers
    get the process's ``settings``.

    Rows of a purpose with a batch renderer are rendered together; after a database error the unit
    of work is rolled back and the others go on in a clean transaction.
    """
    results: dict[int, Rendered] = {}
    by_purpose: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_purpose.setdefault(row.purpose, []).append(index)
    async with db.uow() as uow:
        for purpose, indexes in by_purpose.items():
            group = [rows[index] for index in indexes]
            rendered = await render_group(uow, registry, purpose, group, settings)
            results.update(zip(indexes, rendered, strict=True))
    return [results[index] for index in range(len(rows))]


async def render_group(uow: UnitOfWork, registry: Renderers, purpose: str, rows: list[Delivery],
                       settings: Settings) -> list[Rendered]:
    """Rows of one purpose: by its batch renderer if there is one, else row by row."""
    if (render_batch := registry.batch_renderers.get(purpose)) is not None:
        try:
            rendered = await render_batch(uow, rows, settings)
            if len(rendered) != len(rows):
                raise ValueError(f"{len(rendered)} results for {len(rows)} deliveries")
            return list(rendered)
        except Exception as error:  # noqa: BLE001 — one bad renderer must not stop the round
            log.exception("the %r batch renderer failed", purpose)
            await uow.rollback()
            return [error] * len(rows)
    if (render := registry.renderers.get(purpose)) is None:
        return [f"no renderer registered for purpose {purpose!r}"] * len(rows)
    results: list[Rendered] = []
    for row in rows:
        try:
            results.append(await render(uow, row, settings))
        except Exception as error:  # noqa: BLE001 — one bad row must not stop the round
            log.exception("delivery %s: the %r renderer failed", row.id, purpose)
            results.append(error)
            await uow.rollback()
    return results
