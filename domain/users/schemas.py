import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from domain.common.schemas import RequestModel
from domain.users.models import UserStatus
from domain.users.permissions import Permission

Password = Annotated[str, Field(min_length=1, max_length=256)]
NewPassword = Annotated[str, Field(min_length=10, max_length=256)]
MfaCode = Annotated[str, Field(min_length=6, max_length=32, examples=["123456"])]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RoleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class LoginRequest(RequestModel):
    email: EmailStr = Field(examples=["admin@demo.example.com"])
    password: Password


class MfaLoginRequest(RequestModel):
    mfa_token: str = Field(max_length=2048)
    code: MfaCode | None = None
    recovery_code: Annotated[str, Field(min_length=6, max_length=32)] | None = None


class LoginResult(BaseModel):
    """A signed-in session (`authenticated`) or a second-factor challenge (`mfa_required`)."""

    status: Literal["authenticated", "mfa_required"]
    access_token: str | None = None
    token_type: Literal["bearer"] = "bearer"
    expires_in: int | None = Field(None, description="Seconds until the access token expires")
    mfa_token: str | None = Field(None, description="Send with a code to /auth/login/mfa")
    mfa_enrolment_required: bool = False


class RoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str
    permissions: list[Permission]
    landing_page: str
    is_builtin: bool


class RoleCreate(RequestModel):
    name: RoleName
    description: Annotated[str, Field(max_length=500)] = ""
    permissions: list[Permission] = Field(default_factory=list, max_length=50)
    landing_page: Annotated[str, Field(pattern=r"^/[a-z0-9/_-]*$", max_length=200)] = "/accounts"


class RoleUpdate(RequestModel):
    name: RoleName | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    permissions: list[Permission] | None = Field(None, max_length=50)
    landing_page: Annotated[str, Field(pattern=r"^/[a-z0-9/_-]*$", max_length=200)] | None = None


class PermissionRead(BaseModel):
    key: Permission
    label: str


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    status: UserStatus
    role_id: uuid.UUID
    manager_id: uuid.UUID | None
    mfa_enabled: bool
    last_login_at: datetime | None
    invited_at: datetime | None
    deactivated_at: datetime | None
    created_at: datetime


class MeRead(UserRead):
    org_id: uuid.UUID
    organisation_name: str
    organisation_requires_mfa: bool
    role: RoleRead
    permissions: list[Permission]
    mfa_enrolment_required: bool


class InvitationCreate(RequestModel):
    email: EmailStr
    full_name: Name
    role_id: uuid.UUID


class UserUpdate(RequestModel):
    full_name: Name | None = None
    role_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = Field(
        None, description="Whose team the user is on; null: no manager"
    )


class PasswordChange(RequestModel):
    current_password: Password
    new_password: NewPassword


class PasswordResetRequest(RequestModel):
    email: EmailStr


class PasswordResetConfirm(RequestModel):
    token: str = Field(min_length=10, max_length=200)
    new_password: NewPassword


class InvitationAccept(RequestModel):
    token: str = Field(min_length=10, max_length=200)
    password: NewPassword
    full_name: Name | None = None


class InvitationPreview(BaseModel):
    email: str
    full_name: str
    organisation_name: str


class MfaEnrolment(BaseModel):
    secret: str
    otpauth_uri: str


class MfaConfirm(RequestModel):
    code: MfaCode


class MfaDisable(RequestModel):
    password: Password
    code: MfaCode


class RecoveryCodes(BaseModel):
    # Not `recovery_codes`: generated clients name a field like its model's module.
    codes: list[str]
