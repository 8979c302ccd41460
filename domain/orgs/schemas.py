import uuid
import zoneinfo
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from domain.common.schemas import RequestModel
from domain.common.types import CurrencyCode as Currency

TimeZone = Annotated[str, Field(max_length=64, examples=["Europe/London"])]


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


# The name goes into email subjects (invitations): a line break there would break every
# such email, so control characters are refused.
OrganisationName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]


class OrganisationUpdate(RequestModel):
    name: OrganisationName | None = None
    base_currency: Currency | None = None
    time_zone: TimeZone | None = None
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


class SetupStatus(BaseModel):
    needed: bool = Field(
        description="True until the first organisation exists: the SPA then shows its setup page"
    )


class FirstOrganisation(BaseModel):
    """The first organisation of a new Tenure and its first admin."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "organisation_name": "Acme Customer Success",
                    "admin_email": "ops@acme.example",
                    "admin_name": "Dana Ops",
                    "admin_password": "a long passphrase",
                    "base_currency": "USD",
                    "time_zone": "Europe/London",
                }
            ]
        },
    )

    organisation_name: OrganisationName
    admin_email: EmailStr
    admin_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    admin_password: Annotated[str, Field(min_length=10, max_length=256)]
    base_currency: Currency = "USD"
    time_zone: TimeZone = "UTC"

    _tz = field_validator("time_zone")(_valid_time_zone)
