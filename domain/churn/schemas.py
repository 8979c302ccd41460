import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class ChurnFeatureRead(BaseModel):
    key: str = Field(description="The metric's key", examples=["active_users_30d"])
    label: str = Field(examples=["Active users (30 d)"])
    mean: float = Field(description="Its mean over the rows trained on")
    scale: float = Field(description="Its standard deviation over the rows trained on")
    coefficient: float = Field(
        description="Log-odds of churning per standard deviation above the mean (positive: "
        "more of it, more risk)"
    )


class CalibrationBin(BaseModel):
    low: float = Field(description="Predicted probabilities from (0-1)")
    high: float
    rows: int
    predicted: float = Field(description="Mean predicted probability of the rows")
    observed: float = Field(description="Share of the rows that churned")


class ChurnHeldOut(BaseModel):
    """How the model trained before `cutoff` predicted the snapshot days from it on."""

    cutoff: date
    rows: int
    churned: int
    auc: float | None = Field(description="null without both outcomes")
    brier: float | None = Field(description="Mean squared error of the probabilities (0 best)")
    bins: list[CalibrationBin]


class ChurnDecile(BaseModel):
    decile: int = Field(description="1: the tenth of accounts most likely to churn")
    accounts: int
    churned: int
    churn_rate: float
    min_probability: float
    max_probability: float
    churned_account_ids: list[uuid.UUID] = Field(description="The first 100 that churned")


class ChurnBacktest(BaseModel):
    """The accounts of the cutoff day, scored by the model trained before it, against the
    accounts that churned within the horizon after it."""

    day: date
    accounts: int
    churned: int
    auc: float | None = Field(
        description="How often an account that churned had a higher probability than one that "
        "stayed (ties half); null without both kinds"
    )
    deciles: list[ChurnDecile]


class ChurnModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    trained_at: datetime
    horizon_days: int = Field(description="Label: churned within this many days of the snapshot")
    first_day: date | None
    last_day: date | None
    snapshot_days: int
    rows: int = Field(description="Account-days trained on")
    accounts: int = Field(description="Accounts trained on")
    churn_events: int
    features: list[ChurnFeatureRead]
    intercept: float | None
    held_out: ChurnHeldOut | None
    backtest: ChurnBacktest | None
    refused: str | None = Field(description="Why training refused (too little history)")


class ChurnRequirements(BaseModel):
    horizon_days: int = Field(examples=[90])
    min_snapshot_days: int = Field(examples=[60])
    min_churn_events: int = Field(examples=[10])


class ChurnHistoryAvailable(BaseModel):
    snapshot_days: int = Field(description="Snapshot days at least the horizon ago")
    churn_events: int = Field(description="Churn events within those days' horizons")


class ChurnStatusRead(BaseModel):
    live: ChurnModelRead | None = Field(description="The model that scores accounts now")
    history: list[ChurnModelRead] = Field(description="Training runs, newest first")
    requirements: ChurnRequirements
    available: ChurnHistoryAvailable
    missing: str | None = Field(
        description="What stops training now, or null",
        examples=["Training needs at least 10 churn events after those days (has 4)"],
    )


class ChurnTrainingQueued(BaseModel):
    job_id: str


class ChurnDriverRead(BaseModel):
    key: str = Field(examples=["active_users_30d"])
    label: str = Field(examples=["Active users (30 d)"])
    value: float | None = Field(description="The account's value (null: counted as the mean)")
    mean: float
    contribution: float = Field(
        description="Its share of the log-odds of churning: positive raises the probability"
    )


class ChurnDriversRead(BaseModel):
    account_id: uuid.UUID
    probability: float | None = Field(description="Churn probability in percent", examples=[23.5])
    horizon_days: int
    trained_at: datetime
    drivers: list[ChurnDriverRead] = Field(description="Largest contribution (either way) first")
