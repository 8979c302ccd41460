import re
import uuid
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from domain.accounts.models import (
    AccountSegment,
    CustomFieldFormat,
    CustomFieldKind,
    CustomFieldType,
    ImportStatus,
    TriggerTarget,
)
from domain.common.schemas import RequestModel
from domain.common.types import Day, FiniteFloat, Instant
from domain.filters.schemas import Condition, Filter

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
# A public host name: two labels or more of letters, digits and hyphens (an internationalised
# name is taken in its ASCII form), at most 63 characters each and 253 in all.
_HOST_NAME = re.compile(
    r"^(?=.{1,254}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+\.?$", re.IGNORECASE
)


def _host_name(value: str) -> str:
    # The SPA links an account to https://<domain>: a scheme, a path, a port or a user@ there
    # would link somewhere else. Blank stays allowed: it shows, and filters, as no domain.
    if not value:
        return value
    try:
        ascii_name = value.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    if not _HOST_NAME.match(ascii_name):
        raise ValueError(
            "not a domain: give the host name alone (acme.com), without https://, a path, a "
            "port or spaces"
        )
    return value


Domain = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_host_name)
]
DOMAIN = "The account's web domain: a host name, without https:// or a path"
ConfigName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CustomValue = str | FiniteFloat | int | bool | Day | None


class AccountSort(StrEnum):
    """The account's own columns the list sorts by straight from the row (no field lookup)."""

    NAME = "name"
    EXTERNAL_ID = "external_id"
    DOMAIN = "domain"
    JOINED_ON = "joined_on"
    RENEWAL_ON = "renewal_on"
    CSM_SCORE = "csm_score"
    NPS = "nps"
    CHURNED_ON = "churned_on"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


SORT_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"
SORT_DESCRIPTION = (
    "A column of the account (name, external_id, domain, joined_on, renewal_on, csm_score, "
    "nps, churned_on, created_at, updated_at) or any field `listAccountFields` marks sortable: "
    "tier and stage in their configured order, custom fields by type (numbers as numbers, "
    "dates as dates), metrics (metric.<key>) by value. Empty values go last either way"
)
SortKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=120, pattern=SORT_PATTERN),
    Field(description=SORT_DESCRIPTION, examples=["renewal_on", "tier", "metric.mrr"]),
]
ColumnKey = Annotated[str, StringConstraints(max_length=120)]


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str = Field(examples=["acme-001"])
    crm_id: str | None
    billing_id: str | None
    support_id: str | None
    name: str = Field(examples=["Acme Corp"])
    domain: str | None = Field(examples=["acme.com"])
    joined_on: date | None
    renewal_on: date | None
    parent_id: uuid.UUID | None
    tier_id: uuid.UUID | None
    stage_id: uuid.UUID | None
    csm_ids: list[uuid.UUID]
    status_title: str | None
    status_details: str | None
    status_at: datetime | None
    status_author_id: uuid.UUID | None
    csm_score: int | None
    nps: Decimal | None
    churned_on: date | None
    churn_reason: str | None
    custom_values: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class AccountListRead(AccountRead):
    """An account as the list returns it: the record and the values of the metric columns
    asked for."""

    metric_values: dict[str, float | None] = Field(
        default_factory=dict,
        description="Current value of each metric column asked for (`metric.<key>` -> `<key>`); "
        "currency metrics in major units of the organisation's base currency",
        examples=[{"mrr": 1250.0, "active_users_30d": 14}],
    )
    health_values: dict[str, float | str | None] = Field(
        default_factory=dict,
        description="Each health column asked for (`health.<key>` -> `<key>`): score, band, "
        "model, change_7d, change_30d",
        examples=[{"score": 64, "band": "average"}],
    )


class _AccountFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    crm_id: ExternalId | None = None
    billing_id: ExternalId | None = None
    support_id: ExternalId | None = None
    domain: Domain | None = Field(None, description=DOMAIN, examples=["acme.com"])
    joined_on: Day | None = None
    renewal_on: Day | None = None
    parent_id: uuid.UUID | None = None
    tier_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    csm_score: Annotated[int, Field(ge=0, le=100)] | None = None
    custom_values: dict[str, CustomValue] | None = Field(
        None, description="Values of the organisation's custom fields, by key", max_length=200
    )


class AccountCreate(_AccountFields):
    external_id: ExternalId = Field(
        description="The integrator's key for this account: exact, case-sensitive, unique",
        examples=["acme-001"],
    )
    name: AccountName = Field(examples=["Acme Corp"])
    csm_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class AccountUpdate(_AccountFields):
    """Only the fields sent change; send null to clear one. Every account keeps a name and an
    external id, so null for either leaves it as it is; `csm_ids` replaces the CSMs (`[]` takes
    them all away, null keeps them)."""

    external_id: ExternalId | None = None
    name: AccountName | None = None
    csm_ids: list[uuid.UUID] | None = Field(
        None, max_length=20, description="The account's CSMs: [] for none, null keeps them"
    )


class AccountQuery(BaseModel):
    """A filtered, sorted page of accounts: the account list and custom views use it."""

    model_config = ConfigDict(extra="forbid")

    filter: Filter | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
    sort: SortKey = AccountSort.NAME.value
    descending: bool = False
    columns: list[ColumnKey] = Field(
        default_factory=list,
        max_length=100,
        description="The columns shown (keys of `listAccountFields`): each account carries the "
        "values of the metric columns among them in `metric_values`",
    )
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    churned: bool | None = Field(
        None, description="true: only churned accounts; false: only active; omitted: both"
    )


class StatusUpdateCreate(RequestModel):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    details: Annotated[str, Field(max_length=20_000)] | None = None


class NpsResponseCreate(RequestModel):
    score: Annotated[int, Field(ge=0, le=10)]
    contact: Annotated[str, Field(max_length=300)] | None = None
    responded_at: Instant | None = Field(None, description="Defaults to now")


class ChurnCreate(RequestModel):
    churned_on: Day
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class TierRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    position: int


class TierWrite(RequestModel):
    name: ConfigName
    position: Annotated[int, Field(ge=0, le=1000)] = 0


class StageRead(TierRead):
    pass


class StageWrite(TierWrite):
    pass


class StagePeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stage_id: uuid.UUID | None
    stage_name: str
    entered_at: datetime
    left_at: datetime | None
    days: float = Field(description="Days in the stage (until now if still in it)")


class CsmPeriodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    assigned_at: datetime
    unassigned_at: datetime | None
    changed_by_id: uuid.UUID | None


class ScoreEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    score: int
    recorded_at: datetime
    changed_by_id: uuid.UUID | None


class NpsResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    score: int
    contact: str | None
    responded_at: datetime


class StatusUpdateRead(BaseModel):
    """One posted status; the newest is the account's latest status."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str = Field(examples=["Expansion in discussion"])
    details: str | None
    posted_at: datetime
    changed_by_id: uuid.UUID | None = Field(description="Who posted it")


class AccountHistoryRead(BaseModel):
    """Each history of the account, newest first."""

    stages: list[StagePeriodRead]
    csms: list[CsmPeriodRead]
    csm_scores: list[ScoreEntryRead]
    nps: list[NpsResponseRead]
    statuses: list[StatusUpdateRead]


_FORMATS = (
    "How values are shown. number: plain (default), integer, decimal, currency (the "
    "organisation's base currency) or percent (the value is in percent); date: date; text: "
    "text (default), url or email; category and boolean: default"
)


class CustomFieldRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    label: str
    kind: CustomFieldKind
    type: CustomFieldType
    format: CustomFieldFormat = Field(description=_FORMATS)
    options: list[str]


def _each_once(options: list[str]) -> list[str]:
    if repeated := [o for o, n in Counter(options).items() if n > 1]:
        raise ValueError(f"each option once: {', '.join(map(repr, repeated))} given twice")
    return options


CategoryOptions = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]],
    Field(max_length=500),
    AfterValidator(_each_once),
]


class CustomFieldCreate(RequestModel):
    key: Annotated[
        str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", max_length=64, examples=["plan_seats"])
    ]
    label: ConfigName
    type: CustomFieldType
    format: CustomFieldFormat | None = Field(
        None, description=f"{_FORMATS}. Omitted: the type's default", examples=["currency"]
    )
    options: CategoryOptions = Field(
        default_factory=list,
        description="A category field's values (at least one); no other type has options",
    )

    @model_validator(mode="after")
    def _a_category_has_options(self) -> "CustomFieldCreate":
        if self.type == CustomFieldType.CATEGORY and not self.options:
            raise ValueError("a category field needs at least one option")
        if self.type != CustomFieldType.CATEGORY and self.options:
            raise ValueError(f"only a category field has options, not a {self.type} field")
        return self


class CustomFieldUpdate(RequestModel):
    label: ConfigName | None = None
    format: CustomFieldFormat | None = Field(None, description=_FORMATS)
    options: Annotated[CategoryOptions, Field(min_length=1)] | None = None


class FieldRead(BaseModel):
    """A field the filter language, list columns and sorting can use."""

    key: str
    label: str
    type: str
    options: list[str]
    format: str | None = Field(
        description="How values are shown: a custom field's format (plain, integer, decimal, "
        "currency, percent, date, text, url, email, default) or a metric's (number, currency, "
        "percent, days); null for the account's own fields"
    )
    sortable: bool = Field(description="Whether the account list can be sorted by it")


class ChildAccountRead(BaseModel):
    account: AccountRead
    descendants: int = Field(description="Accounts below this one, at any depth")


class AccountSelection(BaseModel):
    """Which accounts: the listed ids, or every account matching the filter (and search)."""

    model_config = ConfigDict(extra="forbid")

    account_ids: list[uuid.UUID] | None = Field(None, max_length=10_000)
    filter: Filter | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
    churned: bool | None = None


class BulkChanges(BaseModel):
    """Fields to set on every selected account (only those sent; null clears), and optionally
    a churn or a reactivation, recorded as for a single account."""

    model_config = ConfigDict(extra="forbid")

    tier_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    csm_score: Annotated[int, Field(ge=0, le=100)] | None = None
    renewal_on: Day | None = None
    custom_values: dict[str, CustomValue] | None = Field(None, max_length=200)
    set_csm_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    add_csm_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    remove_csm_ids: list[uuid.UUID] | None = Field(None, max_length=20)
    churn: ChurnCreate | None = Field(
        None,
        description="Mark every selected account that is not churned yet as churned on this "
        "date for this reason (accounts already churned are left alone)",
    )
    reactivate: bool | None = Field(
        None,
        description="true: reactivate every selected churned account today, in the "
        "organisation's time zone (the others are left alone)",
    )

    @model_validator(mode="after")
    def _churn_or_reactivate(self) -> "BulkChanges":
        if self.churn is not None and self.reactivate:
            raise ValueError("Mark accounts churned or reactivate them, not both at once")
        return self


class BulkEdit(RequestModel):
    selection: AccountSelection
    changes: BulkChanges


class BulkEditResult(BaseModel):
    matched: int
    updated: int


class AccountExport(RequestModel):
    selection: AccountSelection = Field(default_factory=AccountSelection)
    columns: list[ColumnKey] = Field(
        default_factory=lambda: ["external_id", "name", "domain", "tier", "stage", "csm"],
        min_length=1,
        max_length=100,
    )
    sort: SortKey = AccountSort.NAME.value
    descending: bool = False


class AccountViewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    is_shared: bool
    columns: list[str]
    filter: Condition | None
    segment: AccountSegment
    sort: str
    descending: bool


class AccountViewWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ConfigName
    is_shared: bool = False
    columns: list[ColumnKey] = Field(default_factory=list, max_length=100)
    filter: Filter | None = None
    segment: AccountSegment = Field(
        AccountSegment.ACTIVE,
        description="Which accounts the view lists: active (not churned), churned, or all",
    )
    sort: SortKey = AccountSort.NAME.value
    descending: bool = False


class AttributeTriggerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    target: TriggerTarget
    tier_id: uuid.UUID | None
    stage_id: uuid.UUID | None
    churn_reason: str | None
    condition: Condition
    position: int
    is_active: bool
    last_run_at: datetime | None
    last_changed: int


class AttributeTriggerWrite(BaseModel):
    """Set `tier_id` for a tier trigger, `stage_id` for a stage trigger, `churn_reason` for a
    churn trigger."""

    model_config = ConfigDict(extra="forbid")

    name: ConfigName
    target: TriggerTarget
    tier_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    churn_reason: Annotated[str, Field(max_length=2000)] | None = None
    condition: Filter
    position: Annotated[int, Field(ge=0, le=1000)] = Field(
        0,
        description="Lower runs first. For each attribute (tier, stage, churned) the first "
        "active trigger that matches an account decides it; later ones leave it alone",
    )
    is_active: bool = True

    @model_validator(mode="after")
    def _only_the_targets_value(self) -> "AttributeTriggerWrite":
        # A value for another target would be dropped without a word.
        own = {"tier": "tier_id", "stage": "stage_id", "churned": "churn_reason"}[self.target]
        given = ("tier_id", "stage_id", "churn_reason")
        if others := [k for k in given if k != own and getattr(self, k) is not None]:
            raise ValueError(f"a {self.target} trigger sets {own} only, not {', '.join(others)}")
        return self


class TriggerRunResult(BaseModel):
    changed: dict[str, int] = Field(description="Accounts changed, by trigger id")


class ImportErrorRead(BaseModel):
    row: int = Field(description="Row number in the file; the header is row 1")
    column: str | None = Field(description="The CSV column at fault, if one is")
    message: str


class AccountImportRead(BaseModel):
    """A CSV import of accounts. While it runs, `processed_rows` of `total_rows` is its progress;
    a dry run reports what a real run would create and update without writing anything."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    file_name: str
    status: ImportStatus
    dry_run: bool
    mapping: dict[str, str] = Field(description="CSV column -> field key")
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    error_count: int = Field(description="Every invalid row's error, even beyond `errors`")
    errors: list[ImportErrorRead] = Field(description="The first 1,000 errors")
    created_by_id: uuid.UUID | None
    created_at: datetime
    finished_at: datetime | None
