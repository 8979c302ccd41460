import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.common.schemas import RequestModel
from domain.common.types import Day
from domain.tasks.models import TaskOutcome, TaskPriority, TaskStatus, TaskType

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Details = Annotated[str, StringConstraints(max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Tags = Annotated[list[Tag], Field(max_length=20)]


class TaskView(StrEnum):
    """The task lists every user has."""

    MINE = "mine"
    TEAM = "team"
    OVERDUE = "overdue"


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
    tag: str | None = None
    due_before: date | None = None
    # Sub-tasks are listed under their task unless asked for.
    top_level: bool = False
