"""CSM tasks: created, changed, closed (an alert task with its outcome, closing its alert too),
reopened and deleted, listed in the views every user has and exported, within the accounts the
caller may see plus the tasks the caller owns."""

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.alerts.models import AlertStatus
from domain.audit import service as audit
from domain.common import clock
from domain.common.pagination import Paged
from domain.common.spreadsheet import csv_cell
from domain.notifications import service as notifications
from domain.notifications.events import NewNotification
from domain.notifications.models import NotificationKind
from domain.tasks import grouping
from domain.tasks.errors import (
    AlertTaskReopen,
    NotAnAlertTask,
    OutcomeRequired,
    OwnerNotFound,
    ParentTaskNotFound,
    TaskClosed,
    TaskNotFound,
    TaskOpen,
)
from domain.tasks.models import Task, TaskGroupBy, TaskStatus, TaskType
from domain.tasks.repository import TaskRepository
from domain.tasks.schemas import (
    TaskClose,
    TaskCreate,
    TaskDetail,
    TaskFilters,
    TaskGroup,
    TaskGroups,
    TaskRead,
    TaskUpdate,
)
from domain.tenancy.clock import org_today
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

MAX_EXPORT = 50_000
EXPORT_COLUMNS = (
    "id",
    "account_name",
    "title",
    "type",
    "status",
    "outcome",
    "owner_name",
    "due_on",
    "priority",
    "tags",
    "created_at",
    "closed_at",
    "hours_to_close",
)


async def _visible(session: AsyncSession, actor: Actor) -> Select[Any] | None:
    return None if actor.sees_all_accounts else accounts.visible_account_ids(session, actor)


def _read(row: Any, today: date) -> dict[str, Any]:
    task: Task = row.Task
    hours = (
        round((task.closed_at - task.created_at).total_seconds() / 3600, 2)
        if task.closed_at is not None
        else None
    )
    return {
        **{k: getattr(task, k) for k in TaskRead.model_fields if hasattr(task, k)},
        "account_name": row.account_name,
        "owner_name": row.owner_name,
        "subtask_count": row.subtask_count,
        "is_overdue": task.status == TaskStatus.OPEN
        and task.due_on is not None
        and task.due_on < today,
        "hours_to_close": hours,
    }


async def list_tasks(
    session: AsyncSession, actor: Actor, filters: TaskFilters, *, limit: int, offset: int
) -> Paged[TaskRead]:
    """Open first, by due day, of the accounts the caller sees and the tasks the caller owns."""
    today = await org_today(session, actor.org_id)
    rows, total = await TaskRepository(session, actor.org_id).page(
        filters,
        visible=await _visible(session, actor),
        user_id=actor.user_id,
        today=today,
        limit=limit,
        offset=offset,
    )
    return Paged(
        items=[TaskRead.model_validate(_read(r, today)) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


async def list_task_groups(
    session: AsyncSession,
    actor: Actor,
    filters: TaskFilters,
    group_by: TaskGroupBy,
    *,
    per_group: int,
    max_groups: int,
) -> TaskGroups:
    """The tasks `list_tasks` lists, grouped: every group's count, and the first `max_groups`
    groups (in reading order) with their first tasks."""
    today = await org_today(session, actor.org_id)
    repo = TaskRepository(session, actor.org_id)
    visible = await _visible(session, actor)
    counts, total = await repo.group_counts(
        filters, group_by, visible=visible, user_id=actor.user_id, today=today
    )
    groups = grouping.ordered(group_by, counts)
    shown = groups[:max_groups]
    rows = await repo.group_rows(
        filters,
        group_by,
        [key for key, _, _ in shown],
        visible=visible,
        user_id=actor.user_id,
        today=today,
        per_group=per_group,
    )
    items: dict[str | None, list[TaskRead]] = {}
    for row in rows:
        items.setdefault(row.group_key, []).append(TaskRead.model_validate(_read(row, today)))
    return TaskGroups(
        group_by=group_by,
        total=total,
        group_count=len(groups),
        groups=[
            TaskGroup(key=key, label=label, count=count, items=items.get(key, []))
            for key, label, count in shown
        ],
    )


async def export_csv(session: AsyncSession, actor: Actor, filters: TaskFilters) -> str:
    page = await list_tasks(session, actor, filters, limit=MAX_EXPORT, offset=0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for task in page.items:
        values = task.model_dump()
        values["tags"] = "; ".join(task.tags)
        writer.writerow([csv_cell(values[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()


async def _task(session: AsyncSession, actor: Actor, task_id: uuid.UUID) -> Task:
    task = await TaskRepository(session, actor.org_id).task(
        task_id, visible=await _visible(session, actor), user_id=actor.user_id
    )
    if task is None:
        raise TaskNotFound()
    return task


async def get_task(session: AsyncSession, actor: Actor, task_id: uuid.UUID) -> TaskDetail:
    task = await _task(session, actor, task_id)
    await session.flush()
    repo = TaskRepository(session, actor.org_id)
    today = await org_today(session, actor.org_id)
    return TaskDetail.model_validate(
        {
            **_read(await repo.row(task.id), today),
            "subtasks": [_read(r, today) for r in await repo.subtask_rows(task.id)],
        }
    )


# What a task's owner is told, and the notification's title.
_TITLES = {
    NotificationKind.TASK_ASSIGNED: "New task",
    NotificationKind.TASK_REASSIGNED: "Task reassigned to you",
    NotificationKind.TASK_UPDATED: "Task updated",
}
# The changes its owner hears about (tags and the like are not worth an email).
_NOTIFIED_FIELDS = ("title", "details", "due_on", "priority")


def _body(account_name: str | None, due_on: date | None, what: str | None) -> str:
    # The day as the SPA shows it ("Mar 4, 2026"), as the reminders' bodies write it in SQL.
    due = f", due {due_on:%b} {due_on.day}, {due_on.year}" if due_on is not None else ""
    return f"On {account_name}{due}" + (f". {what}" if what else "")


async def _notify_owner(
    session: AsyncSession,
    actor: Actor,
    task: Task,
    kind: NotificationKind,
    *,
    event: str,
    what: str | None = None,
) -> None:
    """Tell the task's owner, unless the owner made the change. `event` names the change in
    the dedupe key: the same change replayed notifies once."""
    if task.owner_id is None or task.owner_id == actor.user_id:
        return
    account_name = await TaskRepository(session, actor.org_id).account_name(task.account_id)
    body = _body(account_name, task.due_on, what)
    await notifications.notify(
        session,
        actor.org_id,
        [
            NewNotification(
                user_id=task.owner_id,
                kind=kind,
                account_id=task.account_id,
                task_id=task.id,
                alert_id=task.alert_id,
                title=f"{_TITLES[kind]}: {task.title}",
                body=body,
                dedupe_key=event,
            )
        ],
    )


async def notify_closed_in_bulk(
    session: AsyncSession, actor: Actor, closed: Sequence[Any], *, outcome: str, now: datetime
) -> None:
    """The owners of tasks someone else closed in bulk (rows with the task's `id`, `alert_id`,
    `account_id`, `account_name`, `title`, `owner_id`, `due_on`), told as one close tells them."""
    kind = NotificationKind.TASK_UPDATED
    what = f"Closed ({outcome.replace('_', ' ')})"
    events = [
        NewNotification(
            user_id=row.owner_id,
            kind=kind,
            account_id=row.account_id,
            task_id=row.id,
            alert_id=row.alert_id,
            title=f"{_TITLES[kind]}: {row.title}",
            body=_body(row.account_name, row.due_on, what),
            dedupe_key=f"task_closed:{row.id}:{now.isoformat()}",
        )
        for row in closed
        if row.owner_id is not None and row.owner_id != actor.user_id
    ]
    if events:
        await notifications.notify(session, actor.org_id, events)


async def _check_owner(session: AsyncSession, actor: Actor, owner_id: uuid.UUID) -> None:
    if not await TaskRepository(session, actor.org_id).active_user(owner_id):
        raise OwnerNotFound()


async def create_task(session: AsyncSession, actor: Actor, data: TaskCreate) -> TaskDetail:
    """A regular task (or sub-task) on an account the caller sees."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    account = await accounts.get_account(session, actor, data.account_id)
    owner_id = data.owner_id or actor.user_id
    if owner_id is not None:
        await _check_owner(session, actor, owner_id)
    if data.parent_id is not None:
        parent = await TaskRepository(session, actor.org_id).task(
            data.parent_id, visible=None, user_id=None
        )
        if parent is None or parent.account_id != account.id:
            raise ParentTaskNotFound()
    task = Task(
        id=uuid.uuid4(),
        org_id=actor.org_id,
        account_id=account.id,
        parent_id=data.parent_id,
        type=str(TaskType.REGULAR),
        title=data.title,
        details=data.details,
        owner_id=owner_id,
        due_on=data.due_on,
        priority=str(data.priority),
        tags=data.tags,
        status=str(TaskStatus.OPEN),
        created_by=actor.user_id,
        created_at=clock.now(),
    )
    session.add(task)
    await session.flush()
    audit.record_for(
        session, actor, "task.created", "task", task.id, after=data.model_dump(mode="json")
    )
    await _notify_owner(
        session, actor, task, NotificationKind.TASK_ASSIGNED, event=f"task_assigned:{task.id}"
    )
    return await get_task(session, actor, task.id)


async def update_task(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, data: TaskUpdate
) -> TaskDetail:
    require(actor, Permission.UPDATE_ACCOUNTS)
    task = await _task(session, actor, task_id)
    if data.owner_id is not None:
        await _check_owner(session, actor, data.owner_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    before = {key: getattr(task, key) for key in ("owner_id", *_NOTIFIED_FIELDS)}
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(task, key, str(value) if key == "priority" else value)
    await session.flush()
    audit.record_for(session, actor, "task.updated", "task", task.id, after=changes)
    now = clock.now().isoformat()
    changed = [k for k in _NOTIFIED_FIELDS if getattr(task, k) != before[k]]
    if task.owner_id != before["owner_id"]:
        await _notify_owner(
            session,
            actor,
            task,
            NotificationKind.TASK_REASSIGNED,
            event=f"task_reassigned:{task.id}:{now}",
        )
    elif changed:
        await _notify_owner(
            session,
            actor,
            task,
            NotificationKind.TASK_UPDATED,
            event=f"task_updated:{task.id}:{now}",
            what="Changed: " + ", ".join(k.replace("_on", " date") for k in changed),
        )
    return await get_task(session, actor, task.id)


async def close_task(
    session: AsyncSession, actor: Actor, task_id: uuid.UUID, data: TaskClose
) -> TaskDetail:
    """Closed now, by the caller; an alert task needs its outcome and closes its alert."""
    task = await _task(session, actor, task_id)
    await close(session, actor, task, data)
    return await get_task(session, actor, task.id)


async def close(session: AsyncSession, actor: Actor, task: Task, data: TaskClose) -> None:
    # Working tasks changes accounts' records: guests and read-only keys change nothing.
    require(actor, Permission.UPDATE_ACCOUNTS)
    if task.status == TaskStatus.CLOSED:
        raise TaskClosed()
    is_alert_task = task.type == TaskType.ALERT
    if is_alert_task and data.outcome is None:
        raise OutcomeRequired()
    now = clock.now()
    task.status = str(TaskStatus.CLOSED)
    task.outcome = None if data.outcome is None else str(data.outcome)
    task.closed_at = now
    task.closed_by = actor.user_id
    if is_alert_task and task.alert_id is not None:
        await TaskRepository(session, actor.org_id).set_alert_status(
            task.alert_id, AlertStatus.CLOSED, closed_at=now
        )
    await session.flush()
    audit.record_for(
        session, actor, "task.closed", "task", task.id, after={"outcome": task.outcome}
    )
    outcome = f" ({task.outcome.replace('_', ' ')})" if task.outcome else ""
    await _notify_owner(
        session,
        actor,
        task,
        NotificationKind.TASK_UPDATED,
        event=f"task_closed:{task.id}:{now.isoformat()}",
        what=f"Closed{outcome}",
    )


async def close_alert_task(
    session: AsyncSession, actor: Actor, alert_id: uuid.UUID, data: TaskClose
) -> None:
    """The alert task of an alert the caller sees (the alerts inbox's close)."""
    await close(session, actor, await alert_task_of(session, actor, alert_id), data)


async def alert_task_of(session: AsyncSession, actor: Actor, alert_id: uuid.UUID) -> Task:
    task = await TaskRepository(session, actor.org_id).alert_task(alert_id)
    if task is None:
        raise NotAnAlertTask()
    return task


async def reopen_task(session: AsyncSession, actor: Actor, task_id: uuid.UUID) -> TaskDetail:
    require(actor, Permission.UPDATE_ACCOUNTS)
    task = await _task(session, actor, task_id)
    if task.status == TaskStatus.OPEN:
        raise TaskOpen()
    if task.type == TaskType.ALERT:
        raise AlertTaskReopen()
    task.status = str(TaskStatus.OPEN)
    task.outcome = None
    task.closed_at = None
    task.closed_by = None
    await session.flush()
    audit.record_for(session, actor, "task.reopened", "task", task.id)
    await _notify_owner(
        session,
        actor,
        task,
        NotificationKind.TASK_UPDATED,
        event=f"task_reopened:{task.id}:{clock.now().isoformat()}",
        what="Reopened",
    )
    return await get_task(session, actor, task.id)


async def delete_task(session: AsyncSession, actor: Actor, task_id: uuid.UUID) -> None:
    """Gone as if it never existed, with its sub-tasks; an alert task takes its alert along."""
    require(actor, Permission.UPDATE_ACCOUNTS)
    task = await _task(session, actor, task_id)
    repo = TaskRepository(session, actor.org_id)
    if task.type == TaskType.ALERT and task.alert_id is not None:
        await repo.delete_alert(task.alert_id)
    else:
        await repo.delete([task.id])
    audit.record_for(session, actor, "task.deleted", "task", task.id)
