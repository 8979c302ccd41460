"""Queries several areas share, on tables of the same shape."""

import uuid
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

V = TypeVar("V")


def views_of(
    model: type[V],
    org_id: uuid.UUID,
    *,
    seen_by: uuid.UUID | None,
    every_owner: bool = False,
    owner_id: uuid.UUID | None = None,
) -> Select[V]:
    """The views of `model` (a table with `org_id`, `owner_id` and `is_shared`) a query starts
    from: the shared ones and `seen_by`'s own, or with `every_owner` every user's personal
    ones too; only `owner_id`'s when it is given."""
    view: Any = model
    stmt = select(view).where(view.org_id == org_id)
    if not every_owner:
        stmt = stmt.where(or_(view.is_shared.is_(True), view.owner_id == seen_by))
    if owner_id is not None:
        stmt = stmt.where(view.owner_id == owner_id)
    return stmt


async def view_named(
    session: AsyncSession,
    model: type[V],
    org_id: uuid.UUID,
    name: str,
    *,
    owner_id: uuid.UUID,
    shared: bool,
    except_id: uuid.UUID | None,
) -> V | None:
    """The view of `model` (a table with `org_id`, `owner_id`, `name`, `is_shared`) whose name
    a view of this owner may not take: another of the owner's views, or when it is shared
    another shared view; the owner's first."""
    view: Any = model
    holders = view.owner_id == owner_id
    if shared:
        holders = or_(holders, view.is_shared.is_(True))
    stmt = select(view).where(
        view.org_id == org_id, func.lower(view.name) == func.lower(name), holders
    )
    if except_id is not None:
        stmt = stmt.where(view.id != except_id)
    found: V | None = await session.scalar(
        stmt.order_by((view.owner_id == owner_id).desc()).limit(1)
    )
    return found
