"""What every section of the configuration file is: strict, frozen, and closed to unknown keys.

Each adapter declares the section it reads next to its code (``adapters/slack/settings.py`` for
``[slack]``, ``adapters/teams/settings.py`` for ``[teams]``); ``bots/config.py`` composes them with its
own sections into ``Config`` and reports their errors. They all derive from ``Section`` here, so every
section refuses a typo the same way, and the adapters need nothing from ``bots/`` to declare theirs.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """Unknown keys and loose types are refused: ``port = "80"`` is an error, not a coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
