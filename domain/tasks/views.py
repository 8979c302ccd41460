"""Saved views of the Tasks page: filters and a grouping, personal or shared with the
organisation (as the account list's views are), and the one each user opens by default."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service as accounts
from domain.audit import service as audit
from domain.common import saved_views
from domain.common.db import retries_races
from domain.tasks.errors import OwnerNotFound, TaskViewNameTaken, TaskViewNotFound
from domain.tasks.models import SavedTaskView
from domain.tasks.repository import TaskRepository, TaskViewRepository
from domain.tasks.schemas import TaskViewRead, TaskViewWrite
from domain.tenancy.actor import manages_views, views_asked
from domain.users.actor import Actor, require
from domain.users.permissions import Permission


def _read(view: SavedTaskView, default_id: uuid.UUID | None) -> TaskViewRead:
    return TaskViewRead.model_validate(
        {
            **{k: getattr(view, k) for k in TaskViewRead.model_fields if hasattr(view, k)},
            "is_default": view.id == default_id,
        }
    )


async def list_views(
    session: AsyncSession, actor: Actor, *, owner: saved_views.Owner = None
) -> list[TaskViewRead]:
    """The caller's views and the organisation's shared ones, by name; `owner`: every user's
    (only for those who configure product settings) or one user's (their personal views only
    for them)."""
    every_owner, owner_id = views_asked(actor, owner)
    repo = TaskViewRepository(session, actor.org_id)
    default_id = await repo.default_of(actor.user_id)
    found = await repo.views(
        seen_by=actor.user_id,
        every_owner=every_owner,
        owner_id=owner_id,
    )
    return [_read(v, default_id) for v in found]


async def _view(session: AsyncSession, actor: Actor, view_id: uuid.UUID) -> SavedTaskView:
    """A view the caller sees: theirs or shared."""
    view = await TaskViewRepository(session, actor.org_id).view(view_id, seen_by=actor.user_id)
    if view is None:
        raise TaskViewNotFound()
    return view


async def _editable(session: AsyncSession, actor: Actor, view_id: uuid.UUID) -> SavedTaskView:
    view = await TaskViewRepository(session, actor.org_id).view(
        view_id, seen_by=actor.user_id, every_owner=manages_views(actor)
    )
    if view is None:
        raise TaskViewNotFound()
    # Anyone edits their own views; others' need "configure product settings".
    if view.owner_id != actor.user_id:
        require(actor, Permission.CONFIGURE_PRODUCT)
    return view


async def _validate(session: AsyncSession, actor: Actor, data: TaskViewWrite) -> None:
    """The owner and account a view names exist (the account is one the caller sees)."""
    if data.filters.owner_id is not None and not await TaskRepository(
        session, actor.org_id
    ).active_user(data.filters.owner_id):
        raise OwnerNotFound()
    if data.filters.account_id is not None:
        await accounts.get_account(session, actor, data.filters.account_id)


async def _check_name(
    session: AsyncSession,
    actor: Actor,
    data: TaskViewWrite,
    *,
    owner_id: uuid.UUID,
    view: SavedTaskView | None = None,
) -> None:
    """A view's name is unique among its owner's views, and a shared view's among the
    organisation's shared views, whatever the case (as the account list's views' are). `view`:
    the one being replaced (its own name is not taken)."""
    taken = await TaskViewRepository(session, actor.org_id).view_named(
        data.name, owner_id=owner_id, shared=data.is_shared, except_id=view.id if view else None
    )
    if taken is not None:
        raise TaskViewNameTaken(
            saved_views.name_taken(
                "task view",
                data.name,
                holder_id=taken.owner_id,
                owner_id=owner_id,
                actor_id=actor.user_id,
            )
        )


def _apply(view: SavedTaskView, data: TaskViewWrite) -> None:
    view.name = data.name
    view.is_shared = data.is_shared
    view.filters = data.filters.model_dump(mode="json", exclude_defaults=True)
    view.group_by = None if data.group_by is None else str(data.group_by)


async def _reread(session: AsyncSession, actor: Actor, view: SavedTaskView) -> TaskViewRead:
    await session.flush()
    await session.refresh(view)
    default_id = await TaskViewRepository(session, actor.org_id).default_of(actor.user_id)
    return _read(view, default_id)


@retries_races
async def create_view(session: AsyncSession, actor: Actor, data: TaskViewWrite) -> TaskViewRead:
    if data.is_shared:
        require(actor, Permission.CONFIGURE_PRODUCT)
    await _validate(session, actor, data)
    assert actor.user_id is not None  # a signed-in user's view
    await _check_name(session, actor, data, owner_id=actor.user_id)
    view = SavedTaskView(id=uuid.uuid4(), org_id=actor.org_id, owner_id=actor.user_id)
    _apply(view, data)
    session.add(view)
    audit.record_for(
        session,
        actor,
        "task_view.created",
        "task_view",
        view.id,
        after=data.model_dump(mode="json"),
    )
    return await _reread(session, actor, view)


@retries_races
async def update_view(
    session: AsyncSession, actor: Actor, view_id: uuid.UUID, data: TaskViewWrite
) -> TaskViewRead:
    view = await _editable(session, actor, view_id)
    if data.is_shared and not view.is_shared:
        require(actor, Permission.CONFIGURE_PRODUCT)
    await _validate(session, actor, data)
    await _check_name(session, actor, data, owner_id=view.owner_id, view=view)
    _apply(view, data)
    audit.record_for(
        session,
        actor,
        "task_view.updated",
        "task_view",
        view.id,
        after=data.model_dump(mode="json"),
    )
    return await _reread(session, actor, view)


async def delete_view(session: AsyncSession, actor: Actor, view_id: uuid.UUID) -> None:
    """The view, and with it the default of everyone who opened with it."""
    view = await _editable(session, actor, view_id)
    audit.record_for(
        session,
        actor,
        "task_view.deleted",
        "task_view",
        view.id,
        before={"name": view.name, "owner_id": str(view.owner_id)},
    )
    await session.delete(view)


async def set_default(session: AsyncSession, actor: Actor, view_id: uuid.UUID) -> TaskViewRead:
    """Any view the caller sees (theirs or shared) becomes the one their Tasks page opens with."""
    view = await _view(session, actor, view_id)
    assert actor.user_id is not None
    await TaskViewRepository(session, actor.org_id).set_default(actor.user_id, view.id)
    return await _reread(session, actor, view)


async def clear_default(session: AsyncSession, actor: Actor) -> None:
    """The caller's Tasks page opens with the built-in list again."""
    assert actor.user_id is not None
    await TaskViewRepository(session, actor.org_id).clear_default(actor.user_id)
