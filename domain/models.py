"""Import hub: every area's models, so alembic and the mapper see the whole schema."""

from domain.accounts.models import Account, AccountCsm
from domain.audit.models import AuditEntry
from domain.common.base import Base
from domain.emails.models import OutboundEmail
from domain.orgs.models import Organisation
from domain.users.models import OneTimeToken, RecoveryCode, RefreshToken, Role, User

__all__ = [
    "Account",
    "AccountCsm",
    "AuditEntry",
    "Base",
    "OneTimeToken",
    "Organisation",
    "OutboundEmail",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "User",
]
