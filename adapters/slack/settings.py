"""``[slack]`` (DESIGN.md §4): what the Slack adapter reads of the configuration.

``bots/config.py`` loads it as ``Config.slack`` (secrets may come from ``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET``, ``SLACK_APP_TOKEN``) and hands it to ``adapters.slack.app.build_platform``;
``parvis slack manifest`` reads the command names from it.
"""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from adapters.settings import Section


class SlackConfig(Section):
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    socket_mode: bool = False
    api_base_url: str = "https://slack.com/api/"
    command: str = "/parvis"
    aliases: list[str] = Field(default_factory=list)
    join_group_on_channel_join: bool = False
    #: the workspaces served (``core.directory.tenancy``); ``None``: the one ``auth.test`` reports
    allowed_teams: list[str] | None = None

    @field_validator("allowed_teams")
    @classmethod
    def _workspaces(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or not all(re.fullmatch(r"T[A-Z0-9]+", team) for team in value)):
            raise ValueError("a non-empty list of workspace ids such as T0123ABCD (an Enterprise Grid "
                             "organisation lists each of its workspaces), or no key at all for the "
                             "workspace auth.test reports for the bot token")
        return value

    @field_validator("command", "aliases")
    @classmethod
    def _slash(cls, value: str | list[str]) -> str | list[str]:
        for name in [value] if isinstance(value, str) else value:
            if not re.fullmatch(r"/[a-z0-9_\-]{1,31}", name):
                raise ValueError("a slash command such as /parvis (lower case, at most 32 characters)")
        return value

    @property
    def configured(self) -> bool:
        """Slack is on when the bot has a token."""
        return self.bot_token is not None
