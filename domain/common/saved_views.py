"""What saved lists (the account list's views, the task list's) share: a name no one sees
twice. A view's name is unique, whatever the case, among its owner's views, and a shared view's
among the organisation's shared views."""

import uuid
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

V = TypeVar("V")


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


def name_taken(
    what: str, name: str, *, holder_id: uuid.UUID, owner_id: uuid.UUID, actor_id: uuid.UUID | None
) -> str:
    """Why the name is refused, as the caller reads it: whose view holds it (`holder_id`'s) for
    a view of `owner_id`'s that `actor_id` saves."""
    if holder_id != owner_id:
        return f"A shared {what} is already named {name!r}"
    if owner_id == actor_id:
        return f"You already have a {what} named {name!r}"
    return f"The view's owner already has a {what} named {name!r}"
