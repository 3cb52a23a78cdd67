"""``[governance]`` and ``[rollout]``: the usage charter, a pilot rollout and the areas switched on.

Composed into ``bots.config.Config`` like every section; the defaults are the core's
(``core.settings.GovernanceSettings``, ``RolloutSettings``). What the file alone cannot tell — that
each pilot group exists — is checked against the database at start (``bots.bootstrap``).
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from adapters.settings import Section
from core.errors import ConfigError
from core.governance import charter
from core.settings import AREAS, Area, GovernanceSettings, RolloutMode, RolloutSettings, Settings

#: the core's defaults, which a key left out of the file keeps
DEFAULTS = Settings()


class GovernanceConfig(Section):
    require_charter: bool = DEFAULTS.governance.require_charter
    #: a directory with the organisation's own ``en.md`` and ``fr.md`` (``core.governance.charter``)
    charter_dir: str | None = DEFAULTS.governance.charter_dir

    @field_validator("charter_dir")
    @classmethod
    def _readable_charter(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                charter.load(value)
            except ConfigError as exc:
                raise ValueError(f"a directory holding the charter in every language ({exc})") from exc
        return value

    def settings(self) -> GovernanceSettings:
        return GovernanceSettings(require_charter=self.require_charter, charter_dir=self.charter_dir)


class AreasConfig(Section):
    """``[rollout.areas]``: each area of Parvis on (the default) or off, for a staged launch."""

    groups: bool = True
    experts: bool = True
    campaigns: bool = True
    pairing: bool = True
    stats: bool = True

    def disabled(self) -> frozenset[Area]:
        return frozenset(area for area in AREAS if not getattr(self, area))


class RolloutConfig(Section):
    mode: RolloutMode = DEFAULTS.rollout.mode
    #: the slugs of the pilot groups; checked against the database at start (``bots.bootstrap``)
    pilot_groups: list[str] = Field(default_factory=list, validate_default=True)
    areas: AreasConfig = Field(default_factory=AreasConfig)

    @field_validator("pilot_groups")
    @classmethod
    def _pilot_needs_groups(cls, value: list[str], info: ValidationInfo) -> list[str]:
        slugs = [slug.strip().lower() for slug in value]
        if any(not slug for slug in slugs):
            raise ValueError("group slugs, as `group info` shows them, and one of them is empty")
        if info.data.get("mode") == "pilot" and not slugs:
            raise ValueError('at least one group with mode = "pilot" (whose members may use Parvis), '
                             'such as ["pilot-team"]')
        return slugs

    def settings(self) -> RolloutSettings:
        return RolloutSettings(mode=self.mode, pilot_groups=tuple(self.pilot_groups),
                               disabled_areas=self.areas.disabled())
