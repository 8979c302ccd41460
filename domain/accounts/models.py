import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SQLColumnExpression,
    String,
    Text,
    UniqueConstraint,
    case,
    cast,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.common.base import Base, IdMixin, TimestampMixin, reference


class Tier(IdMixin, Base):
    """A configurable account tier (Tier 1, Tier 2, ...); position orders them."""

    __tablename__ = "tiers"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class LifecycleStage(IdMixin, Base):
    """A configurable lifecycle stage (Trial, Onboarding, Established, Renewal, ...)."""

    __tablename__ = "lifecycle_stages"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class Account(IdMixin, TimestampMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        # The integrator's key: exact, case-sensitive, unique per organisation among live accounts.
        Index(
            "uq_accounts_org_id_external_id",
            "org_id",
            "external_id",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_accounts_org_id_name", "org_id", "name"),
        Index("ix_accounts_parent_id", "parent_id"),
        # Records from a CRM, billing or support system find the account by that system's id.
        Index("ix_accounts_org_id_crm_id", "org_id", "crm_id"),
        Index("ix_accounts_org_id_billing_id", "org_id", "billing_id"),
        Index("ix_accounts_org_id_support_id", "org_id", "support_id"),
        # The few deleted accounts: "none of these" scopes a whole-organisation search without
        # joining every live account.
        Index(
            "ix_accounts_org_id_deleted",
            "org_id",
            postgresql_where=text("deleted_at IS NOT NULL"),
        ),
        # A CSM's visible accounts are checked live and in their organisation by id, 5,000
        # at a time: from the index alone, without reading the accounts' rows.
        Index(
            "ix_accounts_id_live",
            "id",
            postgresql_include=["org_id"],
            postgresql_where=text("deleted_at IS NULL"),
        ),
        # Half of each page is kept free, so a bulk edit of every account (stage, tier, score,
        # CSMs: no indexed column) writes each new row beside the old one without touching any
        # of the fifteen indexes: 100,000 accounts in 0.4 s instead of 8.
        {"postgresql_with": {"fillfactor": 50}},
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    # The same account's ids in other systems, so their records resolve to it.
    crm_id: Mapped[str | None] = mapped_column(String(200))
    billing_id: Mapped[str | None] = mapped_column(String(200))
    support_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str | None] = mapped_column(String(300))
    joined_on: Mapped[date | None]
    renewal_on: Mapped[date | None]
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    tier_id: Mapped[uuid.UUID | None] = mapped_column(reference("tiers.id", ondelete="SET NULL"))
    stage_id: Mapped[uuid.UUID | None] = mapped_column(
        reference("lifecycle_stages.id", ondelete="SET NULL")
    )
    # Latest status: the newest of the account's status updates.
    status_title: Mapped[str | None] = mapped_column(String(300))
    status_details: Mapped[str | None] = mapped_column(Text)
    status_at: Mapped[datetime | None]
    status_author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    csm_score: Mapped[int | None]
    # Average of every NPS response within 30 days of the latest one.
    nps: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    churned_on: Mapped[date | None]
    churn_reason: Mapped[str | None] = mapped_column(Text)
    custom_values: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    deleted_at: Mapped[datetime | None]

    csm_assignments: Mapped[list["AccountCsm"]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def csm_ids(self) -> list[uuid.UUID]:
        return [a.user_id for a in self.csm_assignments]


class AccountCsm(Base):
    """Current CSM assignment: an account may have several CSMs."""

    __tablename__ = "account_csms"
    __table_args__ = (
        UniqueConstraint("account_id", "user_id"),
        # A CSM's accounts read from the index alone, without visiting each assignment row.
        Index("ix_account_csms_user_id", "user_id", postgresql_include=["account_id"]),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    org_id: Mapped[uuid.UUID] = mapped_column(reference("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(reference("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(reference("users.id", ondelete="CASCADE"))


class _AccountHistory(IdMixin):
    org_id: Mapped[uuid.UUID] = mapped_column(reference("organisations.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID] = mapped_column(
        reference("accounts.id", ondelete="CASCADE"), index=True
    )
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        reference("users.id", ondelete="SET NULL")
    )


class CsmAssignmentPeriod(_AccountHistory, Base):
    """One CSM's assignment to an account, from its effective date until unassigned."""

    __tablename__ = "csm_assignment_history"

    user_id: Mapped[uuid.UUID] = mapped_column(
        reference("users.id", ondelete="CASCADE"), index=True
    )
    assigned_at: Mapped[datetime]
    unassigned_at: Mapped[datetime | None]


class StagePeriod(_AccountHistory, Base):
    """An account's time in one lifecycle stage."""

    __tablename__ = "stage_history"

    stage_id: Mapped[uuid.UUID | None] = mapped_column(
        reference("lifecycle_stages.id", ondelete="SET NULL")
    )
    stage_name: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class CsmScoreEntry(_AccountHistory, Base):
    __tablename__ = "csm_score_history"

    score: Mapped[int]
    recorded_at: Mapped[datetime]


class NpsResponse(_AccountHistory, Base):
    """One NPS answer (0-10), optionally from a named contact."""

    __tablename__ = "nps_responses"

    score: Mapped[int]
    contact: Mapped[str | None] = mapped_column(String(300))
    responded_at: Mapped[datetime]


class StatusUpdate(_AccountHistory, Base):
    __tablename__ = "status_updates"

    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime]


class ChurnEvent(_AccountHistory, Base):
    """A churn (date, reason) and, if it happened, the reactivation that ended it."""

    __tablename__ = "churn_events"

    churned_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    reactivated_on: Mapped[date | None]
    # `changed_by_id` is who recorded the churn; the reactivation has its own author.
    reactivated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        reference("users.id", ondelete="SET NULL")
    )


class CustomFieldType(StrEnum):
    TEXT = "text"
    CATEGORY = "category"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"


class CustomFieldFormat(StrEnum):
    """How a custom field's values are shown; which formats a type allows is in
    custom_values.FORMATS."""

    # Numbers: as entered, whole, two decimals, money in the base currency, or a percentage
    # (the value is in percent: 12.5 shows as 12.5 %).
    PLAIN = "plain"
    INTEGER = "integer"
    DECIMAL = "decimal"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    # Text: plain, or a link to the address it holds.
    TEXT = "text"
    URL = "url"
    EMAIL = "email"
    # Categories and yes/no have one way of being shown.
    DEFAULT = "default"


class CustomFieldKind(StrEnum):
    DIMENSION = "dimension"
    METRIC = "metric"


F = CustomFieldFormat
# The formats each type may be shown in; the first is the default.
FORMATS: dict[CustomFieldType, tuple[CustomFieldFormat, ...]] = {
    CustomFieldType.NUMBER: (F.PLAIN, F.INTEGER, F.DECIMAL, F.CURRENCY, F.PERCENT),
    CustomFieldType.DATE: (F.DATE,),
    CustomFieldType.TEXT: (F.TEXT, F.URL, F.EMAIL),
    CustomFieldType.CATEGORY: (F.DEFAULT,),
    CustomFieldType.BOOLEAN: (F.DEFAULT,),
}


def default_format(type_: CustomFieldType) -> CustomFieldFormat:
    return FORMATS[type_][0]


def _default_format(context: Any) -> str:
    """A field created without a format gets its type's default."""
    return default_format(CustomFieldType(context.get_current_parameters()["type"]))


class CustomField(IdMixin, TimestampMixin, Base):
    """An organisation's own account attribute: a dimension (categorical, text, boolean, date)
    or a metric (numeric). Values live in accounts.custom_values under `key`."""

    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[CustomFieldKind] = mapped_column(String(16))
    type: Mapped[CustomFieldType] = mapped_column(String(16))
    format: Mapped[CustomFieldFormat] = mapped_column(String(32), default=_default_format)
    options: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    source: Mapped[str] = mapped_column(String(32), default="manual")


# The account's own fields as the filter language, list columns and sorts name them
# (domain/accounts/fields.py builds them). A metric of one of these names would be hidden behind
# the field, so neither a custom field nor a computed metric may take one.
ACCOUNT_FIELD_KEYS = frozenset(
    {
        "name", "external_id", "crm_id", "billing_id", "support_id", "domain", "joined_on",
        "renewal_on", "days_to_renewal", "days_since_joined", "tier", "stage", "csm",
        "csm_score", "nps", "status_title", "churned", "churned_on", "has_parent",
    }
)  # fmt: skip


def format_of(field: CustomField) -> CustomFieldFormat:
    """The field's format; its type's default for a field not yet written (no format)."""
    if field.format in FORMATS[field.type]:
        return CustomFieldFormat(field.format)
    return default_format(field.type)


def custom_value_expression(field: CustomField) -> SQLColumnExpression[Any]:
    """The field's value as its SQL type. A value of another type (kept from a deleted field
    of the same key) is no value rather than a failed cast."""
    value: ColumnElement[Any] = Account.custom_values[field.key]
    text: ColumnElement[Any] = value.astext
    match field.type:
        case CustomFieldType.NUMBER:
            return case((func.jsonb_typeof(value) == "number", cast(text, Numeric)))
        case CustomFieldType.DATE:
            return case((text.regexp_match(r"^\d{4}-\d{2}-\d{2}$"), cast(text, Date)))
        case CustomFieldType.BOOLEAN:
            return case((func.jsonb_typeof(value) == "boolean", cast(text, Boolean)))
    return text


Index("ix_accounts_org_id_lower_name", Account.org_id, func.lower(Account.name))
# Trigram indexes make the list's "contains" search (ILIKE '%q%') an index scan.
for _column in ("name", "domain", "external_id"):
    Index(
        f"ix_accounts_{_column}_trgm",
        getattr(Account, _column),
        postgresql_using="gin",
        postgresql_ops={_column: "gin_trgm_ops"},
    )
Index("ix_accounts_org_id_renewal_on", Account.org_id, Account.renewal_on)


class AccountSegment(StrEnum):
    """Which accounts the explorer lists: the active book, the churned ones, or both."""

    ACTIVE = "active"
    CHURNED = "churned"
    ALL = "all"

    @property
    def churned(self) -> bool | None:
        """The list's `churned` filter for this segment (None: both)."""
        return {"active": False, "churned": True}.get(self.value)


# What a view sorts by unless it says (ascending), and again once its sort's field is deleted.
DEFAULT_VIEW_SORT = "name"


class AccountView(IdMixin, TimestampMixin, Base):
    """A saved account list: columns, filter, segment and sort; personal, or shared."""

    __tablename__ = "account_views"
    __table_args__ = (
        # No one sees two of their own views, or two shared views, of one name, whatever its
        # case: domain/accounts/views.py refuses a taken name saying which; these settle two
        # requests that race past it.
        Index("uq_account_views_owner_id_name_lower", "owner_id", text("lower(name)"), unique=True),
        Index(
            "uq_account_views_shared_name_lower",
            "org_id",
            text("lower(name)"),
            unique=True,
            postgresql_where=text("is_shared"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    is_shared: Mapped[bool] = mapped_column(default=False)
    columns: Mapped[list[str]] = mapped_column(ARRAY(String(120)), default=list)
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # A column of the account itself, or any sortable field key (custom.<key>, metric.<key>).
    sort: Mapped[str] = mapped_column(String(120), default=DEFAULT_VIEW_SORT)
    descending: Mapped[bool] = mapped_column(default=False)
    segment: Mapped[AccountSegment] = mapped_column(
        String(16), default=AccountSegment.ACTIVE, server_default=AccountSegment.ACTIVE.value
    )


class TriggerTarget(StrEnum):
    TIER = "tier"
    STAGE = "stage"
    CHURNED = "churned"


class AttributeTrigger(IdMixin, TimestampMixin, Base):
    """A rule that sets an account's tier, stage or churned status when it matches a filter."""

    __tablename__ = "attribute_triggers"
    __table_args__ = (
        # A trigger is known by its name, whatever its case: domain/accounts/triggers.py
        # refuses a taken one; this settles two requests that race past it.
        Index(
            "uq_attribute_triggers_org_id_name_lower", "org_id", text("lower(name)"), unique=True
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    target: Mapped[TriggerTarget] = mapped_column(String(16))
    tier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tiers.id", ondelete="CASCADE"))
    stage_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("lifecycle_stages.id", ondelete="CASCADE")
    )
    churn_reason: Mapped[str | None] = mapped_column(Text)
    condition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[datetime | None]
    last_changed: Mapped[int] = mapped_column(default=0)


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AccountImport(IdMixin, Base):
    """One CSV upload of accounts: the file, its column mapping, and the run's outcome. The file
    is kept so the job (and a retry of it) reads exactly what was uploaded."""

    __tablename__ = "account_imports"
    __table_args__ = (Index("ix_account_imports_org_id_created_at", "org_id", "created_at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    file_name: Mapped[str] = mapped_column(String(300))
    csv_text: Mapped[str] = mapped_column(Text)
    # CSV column -> field key (external_id, name, ..., custom.<key>).
    mapping: Mapped[dict[str, str]] = mapped_column(JSONB)
    dry_run: Mapped[bool]
    status: Mapped[ImportStatus] = mapped_column(String(16), default=ImportStatus.QUEUED)
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    # The first errors ({row, column, message}); error_count counts them all.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    error_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]
