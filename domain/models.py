"""Import hub: every area's models, so alembic and the mapper see the whole schema."""

from domain.accounts.models import (
    Account,
    AccountCsm,
    AccountImport,
    AccountView,
    AttributeTrigger,
    ChurnEvent,
    CsmAssignmentPeriod,
    CsmScoreEntry,
    CustomField,
    LifecycleStage,
    NpsResponse,
    StagePeriod,
    StatusUpdate,
    Tier,
)
from domain.audit.models import AuditEntry
from domain.common.base import Base
from domain.emails.models import OutboundEmail
from domain.interactions.models import Interaction, Note, Ticket
from domain.orgs.models import Organisation
from domain.users.models import OneTimeToken, RecoveryCode, RefreshToken, Role, User

__all__ = [
    "Account",
    "AccountCsm",
    "AccountImport",
    "AccountView",
    "AttributeTrigger",
    "AuditEntry",
    "Base",
    "ChurnEvent",
    "CsmAssignmentPeriod",
    "CsmScoreEntry",
    "CustomField",
    "Interaction",
    "LifecycleStage",
    "Note",
    "NpsResponse",
    "OneTimeToken",
    "Organisation",
    "OutboundEmail",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "StagePeriod",
    "StatusUpdate",
    "Ticket",
    "Tier",
    "User",
]
