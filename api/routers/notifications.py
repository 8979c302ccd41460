import uuid
from typing import Annotated

from fastapi import Query

from api.deps import CurrentActor, Session
from api.errors import problem
from api.params import Limit, Offset
from api.routing import AreaRouter
from domain.common.pagination import Page
from domain.notifications import service as notifications
from domain.notifications.schemas import (
    MarkedRead,
    NotificationPreferencesChange,
    NotificationPreferencesRead,
    NotificationPreferencesWrite,
    NotificationRead,
    UnreadCount,
)

# Your own notifications (the bell) and which ones you take where. Another user's
# notification answers 404.
router = AreaRouter(tags=["notifications"])


@router.get("/notifications", response_model=Page[NotificationRead], responses=problem(401, 422))
async def list_notifications(
    actor: CurrentActor,
    session: Session,
    unread_only: Annotated[bool, Query(description="Only those not read yet")] = False,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[NotificationRead]:
    """Your notifications: unread first, newest first."""
    paged = await notifications.list_mine(
        session, actor, unread_only=unread_only, limit=limit, offset=offset
    )
    return Page[NotificationRead].model_validate(paged)


@router.get("/notifications/unread-count", response_model=UnreadCount, responses=problem(401))
async def count_unread_notifications(actor: CurrentActor, session: Session) -> UnreadCount:
    """How many of your notifications are unread (the bell's number)."""
    return await notifications.unread_count(session, actor)


@router.post(
    "/notifications/{notification_id:id}/read",
    response_model=NotificationRead,
    responses=problem(401, 404, 422),
)
async def mark_notification_read(
    notification_id: uuid.UUID, actor: CurrentActor, session: Session
) -> NotificationRead:
    """Mark one of your notifications read (again: it keeps its first read time)."""
    return await notifications.mark_read(session, actor, notification_id)


@router.post("/notifications/read-all", response_model=MarkedRead, responses=problem(401))
async def mark_all_notifications_read(actor: CurrentActor, session: Session) -> MarkedRead:
    """Mark every one of your notifications read."""
    return await notifications.mark_all_read(session, actor)


@router.get(
    "/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    responses=problem(401),
)
async def get_notification_preferences(
    actor: CurrentActor, session: Session
) -> NotificationPreferencesRead:
    """Which notifications you take in the app and by email, and whether emails come one by
    one or in a daily digest (07:00 in the organisation's time zone)."""
    return await notifications.get_preferences(session, actor)


@router.put(
    "/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    responses=problem(401, 422),
)
async def set_notification_preferences(
    data: NotificationPreferencesWrite, actor: CurrentActor, session: Session
) -> NotificationPreferencesRead:
    """Replace your choices; a kind left out takes its default, and the digest too
    (`immediate`): to change one choice alone, PATCH. Applies to notifications made from now
    on."""
    return await notifications.set_preferences(session, actor, data)


@router.patch(
    "/me/notification-preferences",
    response_model=NotificationPreferencesRead,
    responses=problem(401, 422),
)
async def change_notification_preferences(
    data: NotificationPreferencesChange, actor: CurrentActor, session: Session
) -> NotificationPreferencesRead:
    """Change only what you send: each kind sent, and the digest if sent; everything else
    stays as it is. Applies to notifications made from now on."""
    return await notifications.change_preferences(session, actor, data)
