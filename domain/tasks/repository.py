import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.accounts.models import Account
from domain.alerts.models import Alert, AlertStatus
from domain.common.repository import view_named as shared_view_named
from domain.common.repository import views_of
from domain.tasks.models import SavedTaskView, Task, TaskGroupBy, TaskStatus, TaskViewDefault
from domain.tasks.schemas import DueBucket, DueWindow, TaskFilters, TaskView
from domain.users.models import User, UserStatus

OPEN = str(TaskStatus.OPEN)


# Open first, by due day (none last), oldest first.
_LIST_ORDER = (Task.status.desc(), Task.due_on.asc().nulls_last(), Task.created_at, Task.id)


def _due_window(due: DueWindow, today: date) -> ColumnElement[bool]:
    match due:
        case DueWindow.OVERDUE:
            return and_(Task.status == OPEN, Task.due_on < today)
        case DueWindow.TODAY:
            return Task.due_on == today
        case DueWindow.NEXT_7_DAYS:
            return Task.due_on.between(today, today + timedelta(days=7))
        case DueWindow.NEXT_30_DAYS:
            return Task.due_on.between(today, today + timedelta(days=30))
        case DueWindow.NO_DATE:
            return Task.due_on.is_(None)


def due_bucket(today: date) -> ColumnElement[str]:
    """Overdue (due before today), today, this week (the next seven days), later, no date."""
    return case(
        (Task.due_on.is_(None), str(DueBucket.NO_DATE)),
        (Task.due_on < today, str(DueBucket.OVERDUE)),
        (Task.due_on == today, str(DueBucket.TODAY)),
        (Task.due_on <= today + timedelta(days=7), str(DueBucket.THIS_WEEK)),
        else_=str(DueBucket.LATER),
    )


def _grouped(stmt: Select[Any], group_by: TaskGroupBy, today: date) -> tuple[Select[Any], Any, Any]:
    """The statement (joined to what the grouping needs), the group's key and its label: the
    owner's or account's name, else the key itself (the service orders and words them)."""
    match group_by:
        case TaskGroupBy.OWNER:
            return stmt, cast(Task.owner_id, Text), User.full_name
        case TaskGroupBy.ACCOUNT:
            return stmt, cast(Task.account_id, Text), Account.name
        case TaskGroupBy.DUE:
            bucket = due_bucket(today)
            return stmt, bucket, bucket
        case TaskGroupBy.TAG:
            # A row per tag; a task without tags once, with no tag (NULL).
            tags = (
                func.unnest(
                    case(
                        (func.cardinality(Task.tags) > 0, Task.tags),
                        else_=literal_column("ARRAY[NULL]::varchar[]"),
                    )
                )
                .table_valued("tag")
                .render_derived(name="task_tags")
                .lateral()
            )
            return stmt.join(tags, true()), tags.c.tag, tags.c.tag
    column = {
        TaskGroupBy.PRIORITY: Task.priority,
        TaskGroupBy.TYPE: Task.type,
        TaskGroupBy.STATUS: Task.status,
    }[group_by]
    return stmt, column, column


class TaskRepository:
    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _visible(
        self, visible: Select[Any] | None, user_id: uuid.UUID | None
    ) -> list[ColumnElement[bool]]:
        """Tasks on live accounts the caller sees, and any task the caller owns (an account's
        owner sees every task on it; a task's owner sees it wherever it is)."""
        where: list[ColumnElement[bool]] = [Task.org_id == self.org_id]
        if visible is not None:
            mine = Task.owner_id == user_id if user_id is not None else None
            where.append(
                or_(Task.account_id.in_(visible), mine)
                if mine is not None
                else Task.account_id.in_(visible)
            )
        return where

    def _rows(self, visible: Select[Any] | None, user_id: uuid.UUID | None) -> Select[Any]:
        sub = aliased(Task)
        subtasks = (
            select(func.count()).where(sub.parent_id == Task.id).correlate(Task).scalar_subquery()
        )
        return (
            select(
                Task,
                Account.name.label("account_name"),
                User.full_name.label("owner_name"),
                subtasks.label("subtask_count"),
            )
            .join(Account, and_(Account.id == Task.account_id, Account.deleted_at.is_(None)))
            .outerjoin(User, User.id == Task.owner_id)
            .where(*self._visible(visible, user_id))
        )

    def _filtered(
        self,
        filters: TaskFilters,
        *,
        visible: Select[Any] | None,
        user_id: uuid.UUID | None,
        today: date,
    ) -> Select[Any]:
        stmt = self._rows(visible, user_id)
        if filters.view is TaskView.MINE:
            stmt = stmt.where(Task.owner_id == user_id)
        elif filters.view is TaskView.TEAM:
            team = select(User.id).where(User.org_id == self.org_id, User.manager_id == user_id)
            stmt = stmt.where(Task.owner_id.in_(team))
        elif filters.view is TaskView.OVERDUE:
            stmt = stmt.where(Task.status == OPEN, Task.due_on < today)
        if filters.account_id is not None:
            stmt = stmt.where(Task.account_id == filters.account_id)
        if filters.owner_id is not None:
            stmt = stmt.where(Task.owner_id == filters.owner_id)
        if filters.status is not None:
            stmt = stmt.where(Task.status == str(filters.status))
        if filters.type is not None:
            stmt = stmt.where(Task.type == str(filters.type))
        if filters.priority is not None:
            stmt = stmt.where(Task.priority == str(filters.priority))
        if filters.tags:
            stmt = stmt.where(Task.tags.overlap(cast(list(filters.tags), ARRAY(String(64)))))
        if filters.due is not None:
            stmt = stmt.where(_due_window(filters.due, today))
        if filters.due_before is not None:
            stmt = stmt.where(Task.due_on < filters.due_before)
        if filters.top_level:
            stmt = stmt.where(Task.parent_id.is_(None))
        return stmt

    async def page(
        self,
        filters: TaskFilters,
        *,
        visible: Select[Any] | None,
        user_id: uuid.UUID | None,
        today: date,
        limit: int,
        offset: int,
    ) -> tuple[list[Any], int]:
        stmt = self._filtered(filters, visible=visible, user_id=user_id, today=today)
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(stmt.order_by(*_LIST_ORDER).limit(limit).offset(offset))
        return list(rows), int(total or 0)

    def _keyed(
        self,
        filters: TaskFilters,
        group_by: TaskGroupBy,
        *,
        visible: Select[Any] | None,
        user_id: uuid.UUID | None,
        today: date,
    ) -> Any:
        """The listed tasks' ids, each with its group's key and label and its place in the
        group (a task with several tags once per tag)."""
        stmt, key, label = _grouped(
            self._filtered(filters, visible=visible, user_id=user_id, today=today),
            group_by,
            today,
        )
        return stmt.with_only_columns(
            Task.id.label("task_id"),
            key.label("group_key"),
            label.label("group_label"),
            func.row_number().over(partition_by=key, order_by=_LIST_ORDER).label("position"),
            maintain_column_froms=False,
        ).subquery("keyed")

    async def group_counts(
        self,
        filters: TaskFilters,
        group_by: TaskGroupBy,
        *,
        visible: Select[Any] | None,
        user_id: uuid.UUID | None,
        today: date,
    ) -> tuple[list[Any], int]:
        """Every group's key, label and count (counted by the database), and how many tasks the
        filters list (a task in two tag groups once)."""
        keyed = self._keyed(filters, group_by, visible=visible, user_id=user_id, today=today)
        counts = await self.session.execute(
            select(keyed.c.group_key, func.min(keyed.c.group_label), func.count()).group_by(
                keyed.c.group_key
            )
        )
        total = await self.session.scalar(
            select(func.count(func.distinct(keyed.c.task_id))).select_from(keyed)
        )
        return list(counts), int(total or 0)

    async def group_rows(
        self,
        filters: TaskFilters,
        group_by: TaskGroupBy,
        keys: Sequence[str | None],
        *,
        visible: Select[Any] | None,
        user_id: uuid.UUID | None,
        today: date,
        per_group: int,
    ) -> list[Any]:
        """The first `per_group` rows of each of the groups `keys` names, each with its
        `group_key`."""
        keyed = self._keyed(filters, group_by, visible=visible, user_id=user_id, today=today)
        named = [k for k in keys if k is not None]
        wanted = or_(
            keyed.c.group_key.in_(named),
            keyed.c.group_key.is_(None) if None in keys else false(),
        )
        rows = await self.session.execute(
            self._rows(None, None)
            .add_columns(keyed.c.group_key)
            .join(keyed, keyed.c.task_id == Task.id)
            .where(keyed.c.position <= per_group, wanted)
            .order_by(keyed.c.group_key, keyed.c.position)
        )
        return list(rows)

    async def row(self, task_id: uuid.UUID) -> Any:
        return (await self.session.execute(self._rows(None, None).where(Task.id == task_id))).one()

    async def subtask_rows(self, task_id: uuid.UUID) -> list[Any]:
        rows = await self.session.execute(
            self._rows(None, None)
            .where(Task.parent_id == task_id)
            .order_by(Task.due_on.asc().nulls_last(), Task.created_at, Task.id)
        )
        return list(rows)

    async def task(
        self, task_id: uuid.UUID, *, visible: Select[Any] | None, user_id: uuid.UUID | None
    ) -> Task | None:
        return await self.session.scalar(
            select(Task)
            .join(Account, and_(Account.id == Task.account_id, Account.deleted_at.is_(None)))
            .where(Task.id == task_id, *self._visible(visible, user_id))
        )

    async def alert_task(self, alert_id: uuid.UUID) -> Task | None:
        return await self.session.scalar(
            select(Task).where(
                Task.org_id == self.org_id,
                Task.alert_id == alert_id,
                Task.playbook_step_id.is_(None),
            )
        )

    async def account_name(self, account_id: uuid.UUID) -> str:
        name = await self.session.scalar(
            select(Account.name).where(Account.org_id == self.org_id, Account.id == account_id)
        )
        return name or ""

    async def active_user(self, user_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(User.id).where(
                User.org_id == self.org_id,
                User.id == user_id,
                User.status == str(UserStatus.ACTIVE),
            )
        )
        return found is not None

    async def set_alert_status(
        self, alert_id: uuid.UUID, status: AlertStatus, *, closed_at: datetime | None
    ) -> None:
        """An alert task's alert follows its task: closed with it."""
        await self.session.execute(
            update(Alert)
            .where(Alert.org_id == self.org_id, Alert.id == alert_id)
            .values(status=str(status), closed_at=closed_at)
            .execution_options(synchronize_session=False)
        )

    async def delete(self, task_ids: Sequence[uuid.UUID]) -> None:
        await self.session.execute(
            delete(Task)
            .where(Task.org_id == self.org_id, Task.id.in_(task_ids))
            .execution_options(synchronize_session=False)
        )

    async def delete_alert(self, alert_id: uuid.UUID) -> None:
        """An alert task deleted takes its alert (and so every task of it) along."""
        await self.session.execute(
            delete(Alert)
            .where(Alert.org_id == self.org_id, Alert.id == alert_id)
            .execution_options(synchronize_session=False)
        )


class TaskViewRepository:
    """Saved task views: the caller's own and the organisation's shared ones, and each user's
    default."""

    def __init__(self, session: AsyncSession, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id

    def _views_of(
        self, seen_by: uuid.UUID | None, *, every_owner: bool, owner_id: uuid.UUID | None = None
    ) -> Select[SavedTaskView]:
        return views_of(
            SavedTaskView,
            self.org_id,
            seen_by=seen_by,
            every_owner=every_owner,
            owner_id=owner_id,
        )

    async def views(
        self,
        *,
        seen_by: uuid.UUID | None,
        every_owner: bool = False,
        owner_id: uuid.UUID | None = None,
    ) -> list[SavedTaskView]:
        """The shared views and the user's own (`every_owner`: every user's), by name; only
        `owner_id`'s when it is given."""
        stmt = self._views_of(seen_by, every_owner=every_owner, owner_id=owner_id)
        rows = await self.session.scalars(stmt.order_by(SavedTaskView.name, SavedTaskView.id))
        return list(rows)

    async def view(
        self, view_id: uuid.UUID, *, seen_by: uuid.UUID | None, every_owner: bool = False
    ) -> SavedTaskView | None:
        return await self.session.scalar(
            self._views_of(seen_by, every_owner=every_owner).where(SavedTaskView.id == view_id)
        )

    async def view_named(
        self, name: str, *, owner_id: uuid.UUID, shared: bool, except_id: uuid.UUID | None
    ) -> SavedTaskView | None:
        return await shared_view_named(
            self.session,
            SavedTaskView,
            self.org_id,
            name,
            owner_id=owner_id,
            shared=shared,
            except_id=except_id,
        )

    async def default_of(self, user_id: uuid.UUID | None) -> uuid.UUID | None:
        """The user's default view, while they still see it (a shared view made private again
        is no one else's default)."""
        return await self.session.scalar(
            select(TaskViewDefault.view_id)
            .join(SavedTaskView, SavedTaskView.id == TaskViewDefault.view_id)
            .where(
                TaskViewDefault.org_id == self.org_id,
                TaskViewDefault.user_id == user_id,
                or_(SavedTaskView.is_shared.is_(True), SavedTaskView.owner_id == user_id),
            )
        )

    async def set_default(self, user_id: uuid.UUID, view_id: uuid.UUID) -> None:
        stmt = insert(TaskViewDefault).values(user_id=user_id, org_id=self.org_id, view_id=view_id)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[TaskViewDefault.user_id],
                set_={"view_id": stmt.excluded.view_id},
                where=TaskViewDefault.org_id == self.org_id,
            )
        )

    async def clear_default(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(TaskViewDefault).where(
                TaskViewDefault.org_id == self.org_id, TaskViewDefault.user_id == user_id
            )
        )
