import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.accounts.models import Account
from domain.alerts.models import Alert, AlertStatus
from domain.tasks.models import Task, TaskStatus
from domain.tasks.schemas import TaskFilters, TaskView
from domain.users.models import User, UserStatus

OPEN = str(TaskStatus.OPEN)


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
        if filters.tag is not None:
            stmt = stmt.where(Task.tags.any_() == filters.tag)
        if filters.due_before is not None:
            stmt = stmt.where(Task.due_on < filters.due_before)
        if filters.top_level:
            stmt = stmt.where(Task.parent_id.is_(None))
        total = await self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = await self.session.execute(
            stmt.order_by(
                Task.status.desc(), Task.due_on.asc().nulls_last(), Task.created_at, Task.id
            )
            .limit(limit)
            .offset(offset)
        )
        return list(rows), int(total or 0)

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
