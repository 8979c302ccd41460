import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.alerts.models import AlertStatus, AlertType, AssigneeRole, EvaluationTrigger
from domain.alerts.retrigger import Held
from domain.common.schemas import RequestModel
from domain.common.types import Day
from domain.filters.schemas import Filter
from domain.tasks.models import TaskOutcome

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
RetriggerDelay = Annotated[int, Field(ge=0, le=3650)]
MAX_BULK = 1000

_CONDITION_EXAMPLE = {
    "kind": "all",
    "conditions": [
        {"kind": "date", "field": "renewal_on", "op": "within_next_days", "days": 60},
        {"kind": "compare", "field": "health.band", "op": "eq", "value": "poor"},
    ],
}


class RecipientRole(StrEnum):
    ACCOUNT_OWNERS = "account_owners"
    OWNERS_MANAGERS = "owners_managers"


class AlertRecipient(RequestModel):
    """Whom a rule's alerts notify: a role (every CSM of the account, or their managers) or
    one named user."""

    role: RecipientRole | None = Field(None, description="account_owners or owners_managers")
    user_id: uuid.UUID | None = Field(None, description="An active user of the organisation")

    @model_validator(mode="after")
    def _one(self) -> "AlertRecipient":
        if (self.role is None) == (self.user_id is None):
            raise ValueError("give either a role or a user_id")
        return self


# Freshsuccess's default: every owner (CSM) of the account.
DEFAULT_NOTIFY = [AlertRecipient(role=RecipientRole.ACCOUNT_OWNERS)]
Recipients = Annotated[list[AlertRecipient], Field(max_length=50)]


class AlertRuleDraft(RequestModel):
    """What decides whether a rule fires: its condition and its retrigger policy."""

    condition: Filter = Field(
        description="Which accounts match, in the filter language (metrics, dimensions, "
        "`health.*` fields and dates)",
        examples=[_CONDITION_EXAMPLE],
    )
    includes_churned: bool = Field(False, description="Churned accounts can fire too")
    retrigger_delay_days: RetriggerDelay = Field(
        7,
        description="Days after an alert FIRED before the rule may fire again for the account "
        "(once that alert is dismissed, or its alert task closed)",
    )
    never_retrigger: bool = Field(False, description="Fire at most once per account, ever")


class AlertRuleCreate(AlertRuleDraft):
    name: Name = Field(examples=["Renewal at risk"])
    type: AlertType = Field(examples=[AlertType.RENEWAL])
    description: Description = Field(
        "",
        description="Shown to CSMs as the alert's reason",
        examples=["Renews within 60 days with a poor health band"],
    )
    creates_task: bool = Field(
        False,
        description="Its alerts are alert tasks, for the account's CSM, closed with an outcome",
    )
    playbook_id: uuid.UUID | None = Field(
        None, description="Its playbook's steps are copied into tasks when it fires"
    )
    notify: Recipients = Field(
        default_factory=lambda: list(DEFAULT_NOTIFY),
        description="Whom its alerts notify (an alert task's owner is always notified); "
        "empty: nobody",
        examples=[[{"role": "account_owners"}, {"role": "owners_managers"}]],
    )
    is_active: bool = True


class AlertRuleUpdate(RequestModel):
    """The fields to change; those omitted stay as they are."""

    name: Name | None = None
    type: AlertType | None = None
    description: Description | None = None
    condition: Filter | None = None
    includes_churned: bool | None = None
    retrigger_delay_days: RetriggerDelay | None = None
    never_retrigger: bool | None = None
    creates_task: bool | None = None
    playbook_id: uuid.UUID | None = Field(None, description="null: no playbook")
    notify: Recipients | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "AlertRuleUpdate":
        nulls = sorted(
            k for k in self.model_fields_set - {"playbook_id"} if getattr(self, k) is None
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null (omit a field to keep it)")
        return self


class AlertRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    type: AlertType
    description: str
    condition: dict[str, Any]
    includes_churned: bool
    retrigger_delay_days: int
    never_retrigger: bool
    creates_task: bool
    playbook_id: uuid.UUID | None
    notify: list[AlertRecipient]
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_triggered_at: datetime | None = Field(description="When it last opened an alert")
    triggers_last_30_days: int = Field(description="Alerts it opened in the last 30 days")
    problem: str | None = Field(
        description="Why it is not evaluated: its condition no longer compiles (a field or "
        "metric it names was deleted); null: it is fine",
        examples=["names a field that no longer exists: custom.seats"],
    )


class AlertEvaluationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ran_at: datetime
    trigger: EvaluationTrigger
    accounts_evaluated: int | None = Field(
        description="Changed accounts evaluated; null: every account of the organisation"
    )
    matched: int = Field(description="Live accounts the condition matched")
    fired: int = Field(description="Alerts opened")
    held_open: int = Field(description="Matched, but an alert of the rule is still open")
    held_by_delay: int = Field(description="Matched, but within the retrigger delay")
    held_by_never_retrigger: int = Field(description="Matched, but fired once already")
    excluded_churned: int = Field(description="Matched, but churned and not included")
    problem: str | None = Field(
        description="Set when the rule was skipped, not evaluated: why its condition no longer "
        "compiles (the counts are then zero)"
    )


class RuleRunQueued(BaseModel):
    job_id: str = Field(description="The evaluation's job; run again, it collapses into this one")


class AlertRead(BaseModel):
    id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    type: AlertType
    account_id: uuid.UUID
    account_name: str
    fired_at: datetime
    status: AlertStatus
    reason: str = Field(description="The rule's description when it fired")
    values: dict[str, Any] = Field(
        description="The condition's fields as they were when it fired",
        examples=[{"renewal_on": "2027-01-20", "health.band": "poor"}],
    )
    snoozed_until: date | None
    dismissed_at: datetime | None
    dismissed_by: uuid.UUID | None
    closed_at: datetime | None = Field(description="When its alert task was closed")
    task_id: uuid.UUID | None = Field(description="Its alert task; null: a plain alert")
    outcome: TaskOutcome | None = Field(description="Its alert task's outcome, once closed")


class AlertClose(RequestModel):
    outcome: TaskOutcome = Field(examples=[TaskOutcome.SUCCESSFUL])


class AlertSnooze(RequestModel):
    until: Day = Field(description="Hidden from the inbox until this day (in the org's zone)")


class AlertSelection(RequestModel):
    """Alerts by id, or every alert a rule has made (of those the caller may see)."""

    alert_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_BULK)] | None = None
    rule_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_way(self) -> "AlertSelection":
        if (self.alert_ids is None) == (self.rule_id is None):
            raise ValueError("give either alert_ids or rule_id")
        return self


class AlertBulkClose(AlertSelection):
    """Alert tasks by their alerts' ids, or every open alert task of a rule, closed with one
    outcome."""

    outcome: TaskOutcome = Field(examples=[TaskOutcome.SUCCESSFUL])


class BulkResult(BaseModel):
    count: int = Field(description="Alerts changed")


class AlertVerdict(BaseModel):
    """Whether a rule fires for an account now, or exactly why not."""

    account_id: uuid.UUID
    account_name: str
    matches: bool
    fires: bool
    held: Held | None = Field(description="Why a matching account does not fire")
    may_fire_from: datetime | None = Field(description="When the retrigger delay ends")
    open_alert_id: uuid.UUID | None
    values: dict[str, Any] = Field(description="The condition's fields for the account now")


class AlertPreviewRead(BaseModel):
    matched: int = Field(description="Accounts (of those the caller sees) matching now")
    would_fire: int
    held: dict[Held, int] = Field(description="Matching accounts held back, by reason")
    accounts: list[AlertVerdict] = Field(
        description="The first matching accounts by name, each with its verdict"
    )


class AccountRuleVerdict(AlertVerdict):
    rule_id: uuid.UUID
    rule_name: str
    is_active: bool


@dataclass(frozen=True)
class AlertFilters:
    status: AlertStatus | None = None
    rule_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    type: AlertType | None = None
    # False: only alerts not snoozed past `today`; True: only those; None: both.
    snoozed: bool | None = None
    today: date | None = None
    # True: only alert tasks; False: only plain alerts; None: both.
    is_task: bool | None = None


class PlaybookStepWrite(RequestModel):
    title: Name = Field(examples=["Book a call with the sponsor"])
    description: Description = ""
    due_in_days: int = Field(0, ge=0, le=365, description="Due this many days after it fires")
    assignee: AssigneeRole = Field(
        AssigneeRole.CSM,
        description="The account's CSM, that CSM's manager, or the named user",
    )
    assignee_user_id: uuid.UUID | None = Field(None, description="When assignee is `user`")

    @model_validator(mode="after")
    def _named_user(self) -> "PlaybookStepWrite":
        if (self.assignee is AssigneeRole.USER) != (self.assignee_user_id is not None):
            raise ValueError("assignee_user_id is given exactly when assignee is 'user'")
        return self


class PlaybookWrite(RequestModel):
    """A playbook as a whole: saving replaces its steps. Tasks already made stay as they are."""

    name: Name = Field(examples=["Save the renewal"])
    description: Description = ""
    steps: Annotated[list[PlaybookStepWrite], Field(max_length=50)]


class PlaybookStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    title: str
    description: str
    due_in_days: int
    assignee: AssigneeRole
    assignee_user_id: uuid.UUID | None


class PlaybookRead(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    steps: list[PlaybookStepRead]
    created_at: datetime
    updated_at: datetime


class AlertTaskMade(BaseModel):
    task_id: uuid.UUID = Field(description="The alert task")
    tasks_created: int = Field(description="The alert task and its playbook's tasks")
