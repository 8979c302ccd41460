"""Custom views of the account list: saved columns, filter and sort, personal or shared."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import service
from domain.accounts.errors import AccountViewNameTaken, AccountViewNotFound
from domain.accounts.fields import check_columns
from domain.accounts.models import AccountView
from domain.accounts.repository import ConfigRepository
from domain.accounts.schemas import AccountViewWrite
from domain.audit import service as audit
from domain.common import saved_views
from domain.common.db import retries_races
from domain.tenancy.actor import manages_views, views_asked
from domain.users.actor import Actor, require
from domain.users.permissions import Permission


async def list_views(
    session: AsyncSession, actor: Actor, *, owner: saved_views.Owner = None
) -> list[AccountView]:
    """The caller's views and the shared ones; `owner`: every user's (only for those who
    configure product settings) or one user's (their personal views only for them)."""
    every_owner, owner_id = views_asked(actor, owner)
    return await ConfigRepository(session, actor.org_id).views(
        seen_by=actor.user_id,
        every_owner=every_owner,
        owner_id=owner_id,
    )


async def _editable(session: AsyncSession, actor: Actor, view_id: uuid.UUID) -> AccountView:
    view = await ConfigRepository(session, actor.org_id).view(
        view_id, seen_by=actor.user_id, every_owner=manages_views(actor)
    )
    if view is None:
        raise AccountViewNotFound()
    # Anyone edits their own views; others' need "configure product settings".
    if view.owner_id != actor.user_id:
        require(actor, Permission.CONFIGURE_PRODUCT)
    return view


async def _validate(session: AsyncSession, actor: Actor, data: AccountViewWrite) -> None:
    fields = await service.filter_fields(session, actor)
    # Compiling proves every field in the filter exists and fits its type (422 otherwise).
    await service.compile_filter(session, actor, data.filter, fields=fields)
    check_columns(data.columns, fields)
    await service.list_order(session, actor, data.sort, fields=fields)


async def _check_name(
    session: AsyncSession,
    actor: Actor,
    data: AccountViewWrite,
    *,
    owner_id: uuid.UUID,
    view: AccountView | None = None,
) -> None:
    """A view's name is unique among its owner's views, and a shared view's among the
    organisation's shared views, whatever the case: no one sees two of their own views, or two
    shared views, of one name. `view`: the one being replaced (its own name is not taken)."""
    taken = await ConfigRepository(session, actor.org_id).view_named(
        data.name, owner_id=owner_id, shared=data.is_shared, except_id=view.id if view else None
    )
    if taken is not None:
        raise AccountViewNameTaken(
            saved_views.name_taken(
                "view",
                data.name,
                holder_id=taken.owner_id,
                owner_id=owner_id,
                actor_id=actor.user_id,
            )
        )


def _apply(view: AccountView, data: AccountViewWrite) -> None:
    view.name = data.name
    view.is_shared = data.is_shared
    view.columns = list(data.columns)
    view.filter = data.filter.model_dump(mode="json") if data.filter else None
    view.sort = data.sort
    view.descending = data.descending
    view.segment = data.segment


@retries_races
async def create_view(session: AsyncSession, actor: Actor, data: AccountViewWrite) -> AccountView:
    if data.is_shared:
        require(actor, Permission.CONFIGURE_PRODUCT)
    await _validate(session, actor, data)
    assert actor.user_id is not None
    await _check_name(session, actor, data, owner_id=actor.user_id)
    view = AccountView(org_id=actor.org_id, owner_id=actor.user_id)
    _apply(view, data)
    session.add(view)
    await session.flush()
    audit.record_for(
        session,
        actor,
        "account_view.created",
        "account_view",
        view.id,
        after=data.model_dump(mode="json"),
    )
    return view


@retries_races
async def update_view(
    session: AsyncSession, actor: Actor, view_id: uuid.UUID, data: AccountViewWrite
) -> AccountView:
    view = await _editable(session, actor, view_id)
    if data.is_shared and not view.is_shared:
        require(actor, Permission.CONFIGURE_PRODUCT)
    await _validate(session, actor, data)
    await _check_name(session, actor, data, owner_id=view.owner_id, view=view)
    _apply(view, data)
    # A name another request took meanwhile fails here, where the write is run again.
    await session.flush()
    audit.record_for(
        session,
        actor,
        "account_view.updated",
        "account_view",
        view.id,
        after=data.model_dump(mode="json"),
    )
    return view


async def delete_view(session: AsyncSession, actor: Actor, view_id: uuid.UUID) -> None:
    view = await _editable(session, actor, view_id)
    audit.record_for(
        session,
        actor,
        "account_view.deleted",
        "account_view",
        view.id,
        before={"name": view.name, "owner_id": str(view.owner_id)},
    )
    await session.delete(view)
