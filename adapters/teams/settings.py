"""``[teams]`` (DESIGN.md §4): what the Teams adapter reads of the configuration.

``bots/config.py`` loads it as ``Config.teams`` (secrets and ids may come from ``MICROSOFT_APP_ID``,
``MICROSOFT_APP_PASSWORD``, ``MICROSOFT_APP_TENANT_ID``, ``MICROSOFT_APP_TYPE``) and hands it to
``adapters.teams.app.build_platform``; ``adapters.teams.auth.BotSettings`` turns it into what
botbuilder reads.
"""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from adapters.settings import Section


class TeamsConfig(Section):
    app_id: str = ""
    app_password: SecretStr | None = None
    tenant_id: str = ""
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "MultiTenant"
    openid_metadata_url: str | None = None
    token_issuer: str | None = None
    login_url: str | None = None
    oauth_scope: str | None = None
    emulator: bool = False

    @property
    def configured(self) -> bool:
        """Teams is on when the bot has an app id, or for the Bot Framework Emulator (loopback only)."""
        return bool(self.app_id) or self.emulator
