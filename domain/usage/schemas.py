import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from domain.common.batches import MAX_BATCH, batch_items
from domain.common.schemas import BatchResult, ChangeNumbered, RequestModel
from domain.common.types import EmailAddress, JsonObject, UtcInstant
from domain.usage.periods import Interval

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Traits = Annotated[JsonObject, Field(max_length=200)]


# Times without an offset are read as UTC, as Segment and most SDKs mean them.
Timestamp = UtcInstant


# Contacts


class ContactUpsert(RequestModel):
    """A contact to create, or to update when its external id is known. Fields left out (or
    null) keep their stored value; traits are merged into the stored ones; accounts are added
    to the contact's accounts (never removed)."""

    external_id: ExternalId = Field(examples=["user-42"])
    email: EmailAddress | None = Field(
        None,
        description="An email address (name@domain); anything else is refused",
        examples=["ada@acme.com"],
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = Field(
        None, examples=["Ada Lovelace"]
    )
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    account_external_ids: list[ExternalId] = Field(
        default_factory=list,
        max_length=100,
        description="External ids of the accounts the contact belongs to; an account that "
        "does not exist yet is linked when it arrives",
        examples=[["acme-001"]],
    )
    traits: Traits | None = Field(None, examples=[{"plan_role": "owner"}])


class ContactBatch(RequestModel):
    items: list[ContactUpsert] = batch_items()


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str = Field(examples=["user-42"])
    email: str | None
    name: str | None
    title: str | None
    role: str | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    traits: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ContactAccountRead(BaseModel):
    account_external_id: str
    account_id: uuid.UUID | None = Field(description="Null until the account exists")
    account_name: str | None


# Events


class EventCreate(RequestModel):
    message_id: ExternalId = Field(
        description="Idempotency key: an event whose message id was already received is "
        "stored once",
        examples=["5f8a1c2e-0b7d-4e1a-9d0e-1f2a3b4c5d6e"],
    )
    name: Label = Field(examples=["Report Exported"])
    feature: Label | None = Field(None, examples=["reports"])
    module: Label | None = Field(None, examples=["analytics"])
    contact_external_id: ExternalId = Field(examples=["user-42"])
    account_external_id: ExternalId | None = Field(
        None,
        description="Left out: the contact's account, when the contact belongs to exactly one",
        examples=["acme-001"],
    )
    occurred_at: Timestamp = Field(examples=["2026-11-20T09:30:00Z"])
    session_id: ExternalId | None = Field(
        None, description="Left out: sessions are derived with the inactivity timeout"
    )
    properties: Traits = Field(default_factory=dict)


class EventBatch(RequestModel):
    items: list[EventCreate] = batch_items()


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: str
    name: str
    feature: str | None
    module: str | None
    contact_external_id: str
    account_external_id: str | None
    contact_id: uuid.UUID | None
    account_id: uuid.UUID | None
    contact_name: str | None = Field(
        default=None,
        description="The contact's name, else its email (null while Tenure does not know it)",
        examples=["Priya Patel"],
    )
    account_name: str | None = Field(
        default=None,
        description="The account's name (null while Tenure does not know it)",
        examples=["Acme Corp"],
    )
    session_id: str | None
    occurred_at: datetime
    received_at: datetime
    properties: dict[str, Any]

    @classmethod
    def named(cls, event: Any, contact_name: str | None, account_name: str | None) -> "EventRead":
        names = {"contact_name": contact_name, "account_name": account_name}
        return cls.model_validate(event).model_copy(update=names)


class EventReceipt(ChangeNumbered):
    message_id: str
    duplicate: bool = Field(description="True when this message id was received before")


class ContactDetail(ContactRead):
    accounts: list[ContactAccountRead]
    recent_events: list[EventRead] = Field(description="The contact's 20 newest events")


# Usage read-outs


class UsageDay(BaseModel):
    day: date
    events: int
    active_contacts: int
    sessions: int
    session_seconds: int


class FeatureUsage(BaseModel):
    feature: str
    module: str | None
    events: int


class UsageSeries(BaseModel):
    """An account's daily usage over a range (every day present, zeros included), as the
    last rollup computed it, and its most used features; with `rollup`, the usage of the
    account and every child account below it that the caller may see, taken together."""

    account_id: uuid.UUID
    since: date
    until: date
    rollup: bool = Field(description="Whether child accounts are included")
    accounts: int = Field(description="Accounts counted: this one, plus its visible descendants")
    days: list[UsageDay]
    events: int
    active_contacts: int = Field(description="Distinct contacts active in the range")
    sessions: int
    session_seconds: int
    top_features: list[FeatureUsage]


class FeaturePeriod(BaseModel):
    start: date
    end: date = Field(description="Last day of the period (a week is cut to the range)")
    events: int


class FeatureTrend(BaseModel):
    feature: str
    module: str | None
    events: int = Field(description="Events over the whole range")
    periods: list[FeaturePeriod] = Field(
        description="Every period of the range, oldest first, zeros included"
    )


class FeatureSeries(BaseModel):
    """An account's most used features over a range and their events per period: per day,
    or per week (Monday to Sunday) when the range is longer than 31 days."""

    account_id: uuid.UUID
    since: date
    until: date
    rollup: bool = Field(description="Whether child accounts are included")
    interval: Interval
    features: list[FeatureTrend] = Field(description="Most events first")


# Segment (HTTP Tracking API payloads, as Segment sends them)


class _SegmentMessage(BaseModel):
    # Segment's spec has more common fields than Tenure reads (integrations, channel, version,
    # receivedAt, writeKey, ...), and the SDKs send them: ignored, never refused.
    model_config = ConfigDict(extra="ignore")

    user_id: ExternalId | None = Field(None, alias="userId")
    anonymous_id: ExternalId | None = Field(None, alias="anonymousId")
    message_id: ExternalId | None = Field(None, alias="messageId")
    timestamp: Timestamp | None = Field(
        None, description="When it happened; left out: `originalTimestamp`, else when received"
    )
    original_timestamp: Timestamp | None = Field(
        None,
        alias="originalTimestamp",
        description="The device's time of the call, corrected by the gap between `sentAt` "
        "and when Tenure received it (the device's clock may be wrong)",
    )
    sent_at: Timestamp | None = Field(
        None, alias="sentAt", description="The device's time when it sent the call"
    )
    context: JsonObject = Field(default_factory=dict)

    @model_validator(mode="after")
    def _identified(self) -> "_SegmentMessage":
        if self.user_id is None and self.anonymous_id is None:
            raise ValueError("userId or anonymousId is required")
        return self

    @property
    def contact_external_id(self) -> str:
        return self.user_id or self.anonymous_id or ""


class SegmentIdentify(_SegmentMessage):
    type: Literal["identify"] = "identify"
    traits: Traits = Field(default_factory=dict)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "userId": "user-42",
                    "traits": {"email": "ada@acme.com", "name": "Ada Lovelace"},
                    "messageId": "ajs-1",
                    "timestamp": "2026-11-20T09:30:00Z",
                }
            ]
        }
    )


class SegmentGroup(_SegmentMessage):
    type: Literal["group"] = "group"
    group_id: ExternalId = Field(alias="groupId")
    traits: Traits = Field(default_factory=dict)


class SegmentTrack(_SegmentMessage):
    type: Literal["track"] = "track"
    event: Label
    properties: Traits = Field(default_factory=dict)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "userId": "user-42",
                    "event": "Report Exported",
                    "properties": {"feature": "reports", "module": "analytics"},
                    "context": {"groupId": "acme-001"},
                    "messageId": "ajs-2",
                    "timestamp": "2026-11-20T09:31:00Z",
                }
            ]
        }
    )


class SegmentPage(_SegmentMessage):
    type: Literal["page", "screen"] = "page"
    name: str | None = Field(None, max_length=200)
    category: str | None = Field(None, max_length=200)
    properties: Traits = Field(default_factory=dict)


class SegmentAlias(_SegmentMessage):
    """`previousId` (often an anonymous id) and `userId` are the same person: the contact
    known as `previousId` becomes `userId`, merged into it if both exist."""

    type: Literal["alias"] = "alias"
    previous_id: ExternalId = Field(alias="previousId")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "previousId": "anon-5f8a1c2e",
                    "userId": "user-42",
                    "messageId": "ajs-3",
                    "timestamp": "2026-11-20T09:32:00Z",
                }
            ]
        }
    )


SegmentCall = Annotated[
    SegmentIdentify | SegmentGroup | SegmentTrack | SegmentPage | SegmentAlias,
    Field(discriminator="type"),
]


class SegmentBatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    batch: list[SegmentCall] = Field(max_length=MAX_BATCH)
    context: JsonObject = Field(default_factory=dict)
    sent_at: Timestamp | None = Field(
        None, alias="sentAt", description="The device's time when it sent the batch"
    )


class SegmentResult(BatchResult):
    success: bool = Field(True, description="Segment's own answer; the rest is Tenure's")


class GroupTraitsRead(BaseModel):
    """The traits a contact's Segment `group` calls sent for an account (merged, the latest
    value of each trait kept)."""

    contact_id: uuid.UUID
    contact_external_id: str = Field(examples=["user-42"])
    traits: dict[str, Any] = Field(examples=[{"name": "Acme Inc", "plan": "enterprise"}])
