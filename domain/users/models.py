import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.common.base import Base, IdMixin, TimestampMixin
from domain.orgs.models import Organisation


class UserStatus(StrEnum):
    ACTIVE = "active"
    INVITED = "invited"
    INACTIVE = "inactive"


class Role(IdMixin, TimestampMixin, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    # PostgreSQL's ARRAY, not the generic one: only it has contains() (`@>`) for permission checks.
    permissions: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    landing_page: Mapped[str] = mapped_column(String(200), default="/accounts")
    is_builtin: Mapped[bool] = mapped_column(default=False)


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roles.id"))
    status: Mapped[UserStatus] = mapped_column(String(16), default=UserStatus.ACTIVE)
    mfa_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enabled_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    deactivated_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    # Copied into access tokens; bumping it ends every access token issued before.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The newest TOTP time step accepted: a code of that step or an older one is refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # Whose team the user is on: "my team's tasks", a playbook step for the CSM's manager.
    manager_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    role: Mapped[Role] = relationship(lazy="raise")
    # Read-only: loaded with the user on every signed-in request (its 2FA policy, /me).
    organisation: Mapped[Organisation] = relationship(lazy="raise", viewonly=True)

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None


# Email is the login, so an active user's is unique across organisations (case-insensitively).
# Invited and deactivated users do not hold theirs: an invitation to an address that signs in
# elsewhere must look exactly like any other, or it tells the inviting admin the address exists.
Index(
    "uq_users_active_email_lower",
    func.lower(User.email),
    unique=True,
    postgresql_where=text("status = 'active'"),
)
# Within one organisation an address is one user whatever its status, so two invitations of the
# same address sent at once cannot both be made.
Index("uq_users_org_id_email_lower", User.org_id, func.lower(User.email), unique=True)


class RefreshToken(IdMixin, Base):
    """A rotating refresh token; all tokens descended from one login share a family."""

    __tablename__ = "refresh_tokens"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class RecoveryCode(IdMixin, Base):
    __tablename__ = "recovery_codes"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class OneTimeTokenPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    INVITATION = "invitation"


class OneTimeToken(IdMixin, Base):
    """A single-use, expiring link token (password reset, invitation), stored hashed."""

    __tablename__ = "one_time_tokens"

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[OneTimeTokenPurpose] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
