"""``[teams]`` (DESIGN.md §4): what the Teams adapter reads of the configuration.

``bots/config.py`` loads it as ``Config.teams`` (secrets and ids may come from ``MICROSOFT_APP_ID``,
``MICROSOFT_APP_PASSWORD``, ``MICROSOFT_APP_TENANT_ID``, ``MICROSOFT_APP_TYPE``) and hands it to
``adapters.teams.app.build_platform``; ``adapters.teams.auth.BotSettings`` turns it into what
botbuilder reads.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from adapters.settings import Section


class TeamsConfig(Section):
    app_id: str = ""
    app_password: SecretStr | None = None
    tenant_id: str = ""
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = "MultiTenant"
    #: the tenants served (``core.directory.tenancy``); ``None``: ``[tenant_id]`` unless MultiTenant
    allowed_tenants: list[str] | None = Field(default=None, validate_default=True)
    openid_metadata_url: str | None = None
    token_issuer: str | None = None
    login_url: str | None = None
    oauth_scope: str | None = None
    emulator: bool = False

    @field_validator("allowed_tenants")
    @classmethod
    def _tenants(cls, value: list[str] | None, info: ValidationInfo) -> list[str] | None:
        """A multi-tenant registration lets any organisation's users reach the bot, reporting any
        e-mail: it must say which tenants it serves (issue 12)."""
        blank = value is not None and not all(tenant.strip() for tenant in value)
        if blank or info.data.get("app_id") and info.data.get("app_type") == "MultiTenant" and not value:
            raise ValueError('a non-empty list of the Microsoft Entra tenant ids whose users the bot serves: '
                             'with app_type = "MultiTenant" any organisation\'s users can reach it, and a '
                             'user of another tenant could report a member\'s e-mail address')
        return value

    @property
    def configured(self) -> bool:
        """Teams is on when the bot has an app id, or for the Bot Framework Emulator (loopback only)."""
        return bool(self.app_id) or self.emulator
