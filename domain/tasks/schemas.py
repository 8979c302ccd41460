import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from domain.common.schemas import RequestModel
from domain.common.types import Day
from domain.tasks.models import TaskGroupBy, TaskOutcome, TaskPriority, TaskStatus, TaskType

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Details = Annotated[str, StringConstraints(max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# A tag given twice is kept once: a task counts once in its tag's group.
Tags = Annotated[
    list[Tag], Field(max_length=20), AfterValidator(lambda tags: list(dict.fromkeys(tags)))
]


class TaskView(StrEnum):
    """The task lists every user has."""

    MINE = "mine"
    TEAM = "team"
    OVERDUE = "overdue"


class DueWindow(StrEnum):
    """When tasks are due, in the organisation's days."""

    OVERDUE = "overdue"
    TODAY = "today"
    NEXT_7_DAYS = "next_7_days"
    NEXT_30_DAYS = "next_30_days"
    NO_DATE = "no_date"


class DueBucket(StrEnum):
    """The groups of a list grouped by due date."""

    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    LATER = "later"
    NO_DATE = "no_date"


class TaskCreate(RequestModel):
    account_id: uuid.UUID = Field(description="Required, and fixed once the task exists")
    title: Title = Field(examples=["Call the sponsor about the renewal"])
    details: Details = ""
    owner_id: uuid.UUID | None = Field(None, description="By default, you")
    due_on: Day | None = Field(None, examples=["2026-12-20"])
    priority: TaskPriority = TaskPriority.NORMAL
    tags: Tags = Field(default_factory=list, examples=[["renewal"]])
    parent_id: uuid.UUID | None = Field(None, description="Makes it a sub-task of this task")


class TaskUpdate(RequestModel):
    """The fields to change; those omitted stay as they are (the account never changes)."""

    title: Title | None = None
    details: Details | None = None
    owner_id: uuid.UUID | None = None
    due_on: Day | None = Field(None, description="null: no due date")
    priority: TaskPriority | None = None
    tags: Tags | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> "TaskUpdate":
        nulls = sorted(k for k in self.model_fields_set - {"due_on"} if getattr(self, k) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null (omit a field to keep it)")
        return self


class TaskClose(RequestModel):
    outcome: TaskOutcome | None = Field(
        None,
        description="Required for an alert task: successful, unsuccessful or false alarm",
        examples=[TaskOutcome.SUCCESSFUL],
    )


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    account_id: uuid.UUID
    account_name: str
    parent_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    type: TaskType
    title: str
    details: str
    owner_id: uuid.UUID | None
    owner_name: str | None
    due_on: date | None
    priority: TaskPriority
    tags: list[str]
    status: TaskStatus
    outcome: TaskOutcome | None
    closed_at: datetime | None
    closed_by: uuid.UUID | None
    created_at: datetime
    is_overdue: bool = Field(description="Open and due before today (the organisation's)")
    hours_to_close: float | None = Field(description="From creation to closing, once closed")
    subtask_count: int


class TaskDetail(TaskRead):
    subtasks: list[TaskRead]


@dataclass(frozen=True)
class TaskFilters:
    view: TaskView | None = None
    account_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    status: TaskStatus | None = None
    type: TaskType | None = None
    priority: TaskPriority | None = None
    # Any of these tags.
    tags: tuple[str, ...] = ()
    due: DueWindow | None = None
    due_before: date | None = None
    # Sub-tasks are listed under their task unless asked for.
    top_level: bool = False


class TaskViewFilters(RequestModel):
    """The Tasks page's filters as a view keeps them; those left out do not filter."""

    view: TaskView | None = Field(
        None, description="mine, team or overdue: relative to whoever opens the view"
    )
    status: TaskStatus | None = Field(None, examples=[TaskStatus.OPEN])
    type: TaskType | None = None
    owner_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None
    priority: TaskPriority | None = None
    tags: Tags = Field(default_factory=list, description="Any of these tags", examples=[["qbr"]])
    due: DueWindow | None = Field(None, examples=[DueWindow.NEXT_7_DAYS])


class TaskViewWrite(RequestModel):
    name: Title = Field(examples=["My week"])
    is_shared: bool = Field(
        False, description="Seen by the whole organisation (needs configure product)"
    )
    filters: TaskViewFilters = Field(default_factory=TaskViewFilters)
    group_by: TaskGroupBy | None = Field(None, examples=[TaskGroupBy.DUE])


class TaskViewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    is_shared: bool
    filters: TaskViewFilters
    group_by: TaskGroupBy | None
    is_default: bool = Field(description="The view your Tasks page opens with")
    created_at: datetime


class TaskGroup(BaseModel):
    key: str | None = Field(
        description="The owner's or account's id, the due bucket, priority, type, tag or status; "
        "null: no owner, no tag",
        examples=["overdue"],
    )
    label: str = Field(examples=["Overdue"])
    count: int = Field(description="Tasks in the group")
    items: list[TaskRead] = Field(description="Its first tasks, open ones first, by due day")


class TaskGroups(BaseModel):
    group_by: TaskGroupBy
    total: int = Field(description="Tasks listed (a task with two tags counts once)")
    group_count: int = Field(description="Groups in all, of which the first `max_groups` follow")
    groups: list[TaskGroup]
