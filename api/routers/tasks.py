import uuid
from typing import Annotated

from fastapi import Depends, Query, Response, status
from pydantic import StringConstraints

from api.deps import ApiActor, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.common.pagination import Page
from domain.common.types import Day
from domain.tasks import service as tasks
from domain.tasks.models import TaskGroupBy, TaskPriority, TaskStatus, TaskType
from domain.tasks.schemas import (
    DueWindow,
    TaskClose,
    TaskCreate,
    TaskDetail,
    TaskFilters,
    TaskGroups,
    TaskRead,
    TaskUpdate,
    TaskView,
)

# CSM tasks: regular tasks, alert tasks (one per alert of a rule that creates tasks) and the
# tasks copied from playbooks.
router = AreaRouter(prefix="/tasks", tags=["tasks"])


def _filters(
    view: Annotated[
        TaskView | None,
        Query(description="mine, team (tasks of the users you manage) or overdue"),
    ] = None,
    account_id: uuid.UUID | None = None,
    owner_id: uuid.UUID | None = None,
    status: TaskStatus | None = None,
    type: TaskType | None = None,
    priority: TaskPriority | None = None,
    tag: Annotated[
        list[Annotated[str, StringConstraints(max_length=64)]] | None,
        Query(max_length=20, description="Any of these tags (repeat the parameter)"),
    ] = None,
    due: Annotated[
        DueWindow | None,
        Query(description="overdue, today, next_7_days, next_30_days (from today) or no_date"),
    ] = None,
    due_before: Day | None = None,
    top_level: Annotated[bool, Query(description="Leave sub-tasks out")] = False,
) -> TaskFilters:
    return TaskFilters(
        view=view,
        account_id=account_id,
        owner_id=owner_id,
        status=status,
        type=type,
        priority=priority,
        tags=tuple(tag or ()),
        due=due,
        due_before=due_before,
        top_level=top_level,
    )


# The same query parameters for the list and its CSV.
TaskQuery = Annotated[TaskFilters, Depends(_filters)]


@router.get("", response_model=Page[TaskRead], responses=problem(401, 422))
async def list_tasks(
    actor: ApiActor,
    session: Session,
    filters: TaskQuery,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TaskRead]:
    """Tasks on the accounts you may see and the tasks you own: open ones first, by due day."""
    paged = await tasks.list_tasks(session, actor, filters, limit=limit, offset=offset)
    return Page[TaskRead].model_validate(paged)


@router.get("/groups", response_model=TaskGroups, responses=problem(401, 422))
async def list_task_groups(
    actor: ApiActor,
    session: Session,
    filters: TaskQuery,
    group_by: Annotated[
        TaskGroupBy,
        Query(
            description="owner, account, due (overdue, today, this week, later, no date), "
            "priority, type, tag or status"
        ),
    ],
    per_group: Annotated[int, Query(ge=1, le=200, description="Tasks listed per group")] = 50,
    max_groups: Annotated[
        int, Query(ge=1, le=500, description="Groups listed (each group is counted)")
    ] = 100,
) -> TaskGroups:
    """The tasks the same filters list, in groups: each group's key, label and count, and its
    first tasks (open ones first, by due day), for the first `max_groups` groups in order
    (`group_count` says how many there are). A task with several tags is in each tag's
    group."""
    return await tasks.list_task_groups(
        session, actor, filters, group_by, per_group=per_group, max_groups=max_groups
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The tasks as CSV"},
        **problem(401, 422),
    },
)
async def export_tasks(actor: ApiActor, session: Session, filters: TaskQuery) -> Response:
    """The tasks the same filters list, as CSV (up to 50,000)."""
    return Response(
        await tasks.export_csv(session, actor, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tasks.csv"'},
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskDetail,
    responses=problem(401, 403, 404, 409, 422),
)
async def create_task(data: TaskCreate, actor: ApiActor, session: Session) -> TaskDetail:
    """A regular task (or a sub-task) on an account you may see; yours unless you name an owner."""
    return await tasks.create_task(session, actor, data)


@router.get("/{task_id:id}", response_model=TaskDetail, responses=problem(401, 404, 422))
async def get_task(task_id: uuid.UUID, actor: ApiActor, session: Session) -> TaskDetail:
    """One task with its sub-tasks."""
    return await tasks.get_task(session, actor, task_id)


@router.patch(
    "/{task_id:id}", response_model=TaskDetail, responses=problem(401, 403, 404, 409, 422)
)
async def update_task(
    task_id: uuid.UUID, data: TaskUpdate, actor: ApiActor, session: Session
) -> TaskDetail:
    """Change the fields given; the account never changes."""
    return await tasks.update_task(session, actor, task_id, data)


@router.post(
    "/{task_id:id}/close", response_model=TaskDetail, responses=problem(401, 403, 404, 409, 422)
)
async def close_task(
    task_id: uuid.UUID, data: TaskClose, actor: ApiActor, session: Session
) -> TaskDetail:
    """Close the task. An alert task needs its outcome (successful, unsuccessful, false alarm)
    and closes its alert; its time to close is reported."""
    return await tasks.close_task(session, actor, task_id, data)


@router.post(
    "/{task_id:id}/reopen", response_model=TaskDetail, responses=problem(401, 403, 404, 409, 422)
)
async def reopen_task(task_id: uuid.UUID, actor: ApiActor, session: Session) -> TaskDetail:
    """Open a closed task again (not an alert task: its rule fires again instead)."""
    return await tasks.reopen_task(session, actor, task_id)


@router.delete(
    "/{task_id:id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem(401, 403, 404, 422)
)
async def delete_task(task_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """Remove the task and its sub-tasks as if they never existed (an alert task takes its
    alert along), from lists and reports."""
    await tasks.delete_task(session, actor, task_id)
