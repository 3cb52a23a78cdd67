"""The table of a member's own choices for one campaign (``core.campaigns.preferences`` uses it)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.runtime.columns import when


class CampaignPreference(SQLModel, table=True):
    """What one member chose for one campaign: left it (when), the round they skipped, the round
    they snoozed and until when."""

    __tablename__ = "campaign_preference"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    left_at: datetime | None = Field(default=None, sa_column=when())
    skipped_round_id: int | None = Field(default=None, foreign_key="round.id", ondelete="SET NULL")
    snoozed_round_id: int | None = Field(default=None, foreign_key="round.id", ondelete="SET NULL")
    snoozed_until: datetime | None = Field(default=None, sa_column=when())
