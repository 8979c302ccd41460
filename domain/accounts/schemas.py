import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class AccountSort(StrEnum):
    NAME = "name"
    EXTERNAL_ID = "external_id"
    DOMAIN = "domain"
    JOINED_ON = "joined_on"
    RENEWAL_ON = "renewal_on"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str = Field(examples=["acme-001"])
    name: str = Field(examples=["Acme Corp"])
    domain: str | None = Field(examples=["acme.com"])
    joined_on: date | None
    renewal_on: date | None
    csm_ids: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class AccountCreate(BaseModel):
    external_id: ExternalId = Field(
        description="The integrator's key for this account: exact, case-sensitive, unique",
        examples=["acme-001"],
    )
    name: AccountName = Field(examples=["Acme Corp"])
    domain: Domain | None = Field(None, examples=["acme.com"])
    joined_on: date | None = None
    renewal_on: date | None = None
    csm_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class AccountUpdate(BaseModel):
    external_id: ExternalId | None = None
    name: AccountName | None = None
    domain: Domain | None = None
    joined_on: date | None = None
    renewal_on: date | None = None
    csm_ids: list[uuid.UUID] | None = Field(None, max_length=20)
