from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FreshnessStageRead(BaseModel):
    """When a stage of the live chain last completed for the organisation, or (`refresh`) the
    hourly refresh of every account's figures."""

    model_config = ConfigDict(from_attributes=True)

    stage: str = Field(
        description="usage, revenue, metrics, health, alerts (the live chain's) or refresh",
        examples=["metrics"],
    )
    completed_at: datetime
    accounts: int = Field(description="Accounts it brought up to date in that run")
    seconds: float = Field(description="How long that run of the stage took")


class FreshnessRead(BaseModel):
    """How far the organisation's figures are behind the data it was sent."""

    pending_accounts: int = Field(description="Accounts whose figures wait for the live chain")
    running_accounts: int = Field(description="Of those, being brought up to date now")
    failed_accounts: int = Field(
        description="Of those, failed after retries (tried again within the hour)"
    )
    oldest_change_at: datetime | None = Field(
        description="When the oldest change still waiting was made; null when none waits"
    )
    oldest_change_seconds: float | None
    last_change: int = Field(description="The newest change number issued")
    stages: list[FreshnessStageRead]


class ChangeState(BaseModel):
    """Whether a write (and every change the organisation made before it) is reflected in the
    figures: `queued`, `running`, `done` or `failed`."""

    change: int
    state: Literal["queued", "running", "done", "failed"]
    pending_accounts: int = Field(
        description="Accounts changed up to this number whose figures are not yet up to date"
    )
    error: str | None = None
