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
from domain.alerts.models import Alert, AlertEvaluation, AlertRule, Playbook, PlaybookStep
from domain.audit.models import AuditEntry
from domain.churn.models import ChurnModel
from domain.common.base import Base
from domain.common.jobs import OutboundJob
from domain.emails.models import OutboundEmail
from domain.freshness.models import AccountChange, FreshnessStage
from domain.health.models import (
    AccountHealth,
    AccountHealthDay,
    HealthModel,
    HealthModelVersion,
    HealthSettings,
)
from domain.integration.models import ApiCall, ApiKey, WebhookDelivery, WebhookSecret
from domain.interactions.models import Interaction, Note, Ticket
from domain.metrics.models import (
    AccountMetricSnapshot,
    AccountMetricValues,
    ComputedMetric,
    ContactActivityRank,
)
from domain.notifications.models import Notification, NotificationPreferences
from domain.orgs.models import Organisation
from domain.revenue.models import (
    AccountMrr,
    AccountMrrMonth,
    FxRate,
    Invoice,
    InvoiceLine,
    MrrMovement,
    Subscription,
    SubscriptionItem,
)
from domain.tasks.models import SavedTaskView, Task, TaskViewDefault
from domain.usage.models import (
    Contact,
    ContactAccount,
    UsageDailyAccount,
    UsageDailyContact,
    UsageDailyFeature,
    UsageEvent,
    UsagePendingDay,
)
from domain.users.models import OneTimeToken, RecoveryCode, RefreshToken, Role, User

__all__ = [
    "Account",
    "AccountChange",
    "AccountCsm",
    "AccountHealth",
    "AccountHealthDay",
    "AccountImport",
    "AccountMetricSnapshot",
    "AccountMetricValues",
    "AccountMrr",
    "AccountMrrMonth",
    "AccountView",
    "Alert",
    "AlertEvaluation",
    "AlertRule",
    "ApiCall",
    "ApiKey",
    "AttributeTrigger",
    "AuditEntry",
    "Base",
    "ChurnEvent",
    "ChurnModel",
    "ComputedMetric",
    "Contact",
    "ContactAccount",
    "ContactActivityRank",
    "CsmAssignmentPeriod",
    "CsmScoreEntry",
    "CustomField",
    "FreshnessStage",
    "FxRate",
    "HealthModel",
    "HealthModelVersion",
    "HealthSettings",
    "Interaction",
    "Invoice",
    "InvoiceLine",
    "LifecycleStage",
    "MrrMovement",
    "Note",
    "Notification",
    "NotificationPreferences",
    "NpsResponse",
    "OneTimeToken",
    "Organisation",
    "OutboundEmail",
    "OutboundJob",
    "Playbook",
    "PlaybookStep",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "SavedTaskView",
    "StagePeriod",
    "StatusUpdate",
    "Subscription",
    "SubscriptionItem",
    "Task",
    "TaskViewDefault",
    "Ticket",
    "Tier",
    "UsageDailyAccount",
    "UsageDailyContact",
    "UsageDailyFeature",
    "UsageEvent",
    "UsagePendingDay",
    "User",
    "WebhookDelivery",
    "WebhookSecret",
]
