import uuid
import zoneinfo
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from domain.common.schemas import RequestModel

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _valid_time_zone(value: str | None) -> str | None:
    if value is not None and value not in zoneinfo.available_timezones():
        raise ValueError("unknown IANA time zone")
    return value


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    base_currency: str
    time_zone: str
    fiscal_year_start_month: int
    requires_mfa: bool
    session_timeout_minutes: int


class OrganisationUpdate(RequestModel):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    base_currency: Currency | None = None
    time_zone: str | None = Field(None, examples=["Europe/London"])
    fiscal_year_start_month: int | None = Field(None, ge=1, le=12)
    requires_mfa: bool | None = Field(
        None, description="Every user must enrol in two-factor authentication"
    )
    session_timeout_minutes: int | None = Field(
        None,
        ge=1,
        le=1440,
        description="A contact's events further apart than this start a new session",
    )

    _tz = field_validator("time_zone")(_valid_time_zone)
