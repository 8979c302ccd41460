import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.common.schemas import BatchResult, ChangeNumbered, RequestModel
from domain.integration.models import ApiScope


class ApiKeyCreate(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    scopes: list[ApiScope] = Field(min_length=1, max_length=3)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Data warehouse sync", "scopes": ["ingest"]}]}
    )


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The public start of the key (`tnr_<prefix>_...`)")
    scopes: list[ApiScope]
    created_by_id: uuid.UUID | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The key itself. Shown only now: Tenure keeps only a hash.")


class IngestReceipt(ChangeNumbered):
    """What a single-record ingestion call did. It never echoes the stored record: a key that
    may only send data must not read it back (an upsert naming just an external id would
    otherwise return the record). Read records with a key or user that may view them."""

    id: uuid.UUID = Field(description="Tenure's id of the record")
    external_id: str = Field(
        description="The record's external id (an invoice's number)", examples=["user-42"]
    )
    status: Literal["created", "updated"] = Field(
        description="`created` if no record had this external id, else `updated` (also when "
        "nothing changed)"
    )


class ApiCallError(BaseModel):
    index: int | None = Field(None, description="Position of the rejected record in the batch")
    id: str | None = Field(None, description="The record's external or message id, if it had one")
    message: str


class ApiCallRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    method: str
    path: str
    status: int
    request_id: str
    received_at: datetime
    duration_ms: int
    accepted: int = Field(description="Records stored (or already stored: idempotent repeats)")
    rejected: int
    errors: list[ApiCallError]


class CallOutcome(BaseModel):
    """What one call with an API key accepted and rejected, for the API log."""

    accepted: int = 0
    rejected: int = 0
    errors: list[ApiCallError] = Field(default_factory=list)


class UpsertedRecord(ChangeNumbered):
    """The record a single-record call created or updated."""

    id: uuid.UUID = Field(description="Tenure's id of the record")


class WebhookSecretRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    retired_at: datetime | None
    hint: str = Field(description="The secret's last characters, to tell secrets apart")


class WebhookSecretCreated(WebhookSecretRead):
    secret: str = Field(description="The signing secret (`whsec_...`). Shown only now.")


class WebhookReceipt(BatchResult):
    """What a webhook's records did; a replay gets the first delivery's answer again."""

    webhook_id: str
    type: str
    replayed: bool = Field(
        description="True when this webhook-id was processed before: nothing changed now"
    )
