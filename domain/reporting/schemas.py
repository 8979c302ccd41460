"""The team page's alert and task reports: figures per CSM and period, and the rows behind each
figure. Who "the CSM" of a row is, and what each figure counts, is written on the fields so the
API's readers see it in the schema."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.alerts.models import AlertStatus, AlertType
from domain.tasks.models import TaskOutcome, TaskStatus, TaskType

ALERT_CSM = (
    "An alert's CSM is the owner of its alert task; an alert with no task (or whose task has "
    "no owner) belongs to each CSM assigned to its account now. Grouped by CSM, an alert of an "
    "account with two CSMs counts for both."
)
TASK_CSM = "A task's CSM is its owner (sub-tasks and playbook tasks are counted on their own)."


class AlertGrouping(StrEnum):
    CSM = "csm"
    MONTH = "month"
    RULE = "rule"
    TYPE = "type"


class TaskGrouping(StrEnum):
    CSM = "csm"
    MONTH = "month"


class AlertMetric(StrEnum):
    """Each figure of the alert report, by the moment that puts an alert in a period."""

    RAISED = "raised"
    DISMISSED = "dismissed"
    CLOSED = "closed"
    CLOSED_SUCCESSFUL = "closed_successful"
    CLOSED_UNSUCCESSFUL = "closed_unsuccessful"
    CLOSED_FALSE_ALARM = "closed_false_alarm"
    OPEN = "open"


class TaskMetric(StrEnum):
    CREATED = "created"
    OUTSTANDING = "outstanding"
    OVERDUE = "overdue"
    CLOSED = "closed"
    CLOSED_ON_TIME = "closed_on_time"
    CLOSED_LATE = "closed_late"


@dataclass(frozen=True)
class ReportSelection:
    """What narrows a report or its rows besides the period."""

    csm_id: uuid.UUID | None = None
    # The rows no CSM owns (only a viewer who sees every account has them).
    unassigned: bool = False
    rule_id: uuid.UUID | None = None
    type: AlertType | None = None


class _Row(BaseModel):
    since: date = Field(description="The row's first day (the organisation's time zone)")
    until: date = Field(description="The row's last day; with since, the period its rows need")
    csm_id: uuid.UUID | None = Field(
        None,
        description="Grouped by CSM: whose figures these are; null there: the rows no CSM "
        "owns. Null when not grouped by CSM.",
    )
    csm_name: str | None = None


class AlertReportRow(_Row):
    rule_id: uuid.UUID | None = Field(None, description="Grouped by rule: the rule")
    rule_name: str | None = None
    type: AlertType | None = Field(None, description="Grouped by type: the rules' type")
    raised: int = Field(description="Alerts that fired in the period", examples=[12])
    dismissed: int = Field(description="Plain alerts dismissed in the period", examples=[4])
    closed: int = Field(description="Alert tasks closed in the period, any outcome", examples=[5])
    closed_successful: int = Field(examples=[3])
    closed_unsuccessful: int = Field(examples=[1])
    closed_false_alarm: int = Field(examples=[1])
    open: int = Field(
        description="Alerts open at the period's end (for a period ending today: open now)",
        examples=[3],
    )
    median_hours_to_close: float | None = Field(
        description="From firing to closing, of the alert tasks closed in the period; null: "
        "none closed",
        examples=[26.5],
    )
    mean_hours_to_close: float | None = Field(examples=[31.25])


class AlertReport(BaseModel):
    since: date
    until: date
    group_by: AlertGrouping
    rows: list[AlertReportRow] = Field(description=ALERT_CSM)


class TaskReportRow(_Row):
    created: int = Field(description="Tasks created in the period", examples=[20])
    outstanding: int = Field(
        description="Tasks open at the period's end (for a period ending today: open now)",
        examples=[7],
    )
    overdue: int = Field(
        description="Of the outstanding tasks, those due before the period's last day (before "
        "today for a period that has not ended)",
        examples=[2],
    )
    closed: int = Field(description="Tasks closed in the period", examples=[15])
    closed_on_time: int = Field(
        description="Closed in the period on or before their due day (or with none)",
        examples=[12],
    )
    closed_late: int = Field(
        description="Closed in the period after their due day (days in the organisation's "
        "time zone)",
        examples=[3],
    )
    median_hours_to_close: float | None = Field(
        description="From creation to closing, of the tasks closed in the period; null: none",
        examples=[40.0],
    )
    mean_hours_to_close: float | None = Field(examples=[52.75])


class TaskReport(BaseModel):
    since: date
    until: date
    group_by: TaskGrouping
    rows: list[TaskReportRow] = Field(description=TASK_CSM)


class AlertReportItem(BaseModel):
    """One alert behind a figure of the alert report."""

    id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    type: AlertType
    account_id: uuid.UUID
    account_name: str
    fired_at: datetime
    status: AlertStatus
    dismissed_at: datetime | None
    closed_at: datetime | None
    task_id: uuid.UUID | None = Field(description="Its alert task; null: a plain alert")
    outcome: TaskOutcome | None
    csm_ids: list[uuid.UUID] = Field(description="Its CSMs, as the report counts them")
    hours_to_close: float | None


class TaskReportItem(BaseModel):
    """One task behind a figure of the task report."""

    id: uuid.UUID
    title: str
    type: TaskType
    account_id: uuid.UUID
    account_name: str
    parent_id: uuid.UUID | None
    owner_id: uuid.UUID | None
    owner_name: str | None
    created_at: datetime
    due_on: date | None
    status: TaskStatus
    outcome: TaskOutcome | None
    closed_at: datetime | None
    hours_to_close: float | None
