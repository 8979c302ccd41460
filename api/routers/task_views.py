import uuid

from fastapi import status

from api.deps import CurrentActor, Session
from api.errors import problem
from api.params import ViewOwner
from api.routing import AreaRouter
from domain.tasks import views
from domain.tasks.schemas import TaskViewRead, TaskViewWrite

# Saved views of the Tasks page: filters and a grouping, yours or shared, one your default.
router = AreaRouter(prefix="/task-views", tags=["task views"])


@router.get("", response_model=list[TaskViewRead], responses=problem(401, 403, 422))
async def list_task_views(
    actor: CurrentActor, session: Session, owner: ViewOwner = None
) -> list[TaskViewRead]:
    """Your task views and the organisation's shared ones, by name; `is_default` marks the one
    your Tasks page opens with. With `owner=all`, every user's views, personal ones too (needs
    "configure product", 403 otherwise); with a user's id, that user's views (their personal
    ones only if you configure product settings, or they are yours)."""
    return await views.list_views(session, actor, owner=owner)


@router.post(
    "",
    response_model=TaskViewRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 404, 409, 422),
)
async def create_task_view(
    data: TaskViewWrite, actor: CurrentActor, session: Session
) -> TaskViewRead:
    """Save filters and a grouping as a view (shared views need "configure product"). Its name
    is unique, whatever the case, among your views, and a shared view's among the shared views
    (409)."""
    return await views.create_view(session, actor, data)


@router.delete("/default", status_code=status.HTTP_204_NO_CONTENT, responses=problem(401, 422))
async def clear_default_task_view(actor: CurrentActor, session: Session) -> None:
    """Open the Tasks page with the built-in list again."""
    await views.clear_default(session, actor)


@router.put(
    "/{view_id:id}", response_model=TaskViewRead, responses=problem(401, 403, 404, 409, 422)
)
async def update_task_view(
    view_id: uuid.UUID, data: TaskViewWrite, actor: CurrentActor, session: Session
) -> TaskViewRead:
    """Replace a view's name, sharing, filters and grouping: your own, or (with "configure
    product") anyone's, personal views too; one you may not see is a 404."""
    return await views.update_view(session, actor, view_id, data)


@router.delete(
    "/{view_id:id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem(401, 403, 404, 422)
)
async def delete_task_view(view_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Delete a view (your own, or with "configure product" anyone's, personal views too; one
    you may not see is a 404); whoever opened with it by default gets the built-in list."""
    await views.delete_view(session, actor, view_id)


@router.put("/{view_id:id}/default", response_model=TaskViewRead, responses=problem(401, 404, 422))
async def set_default_task_view(
    view_id: uuid.UUID, actor: CurrentActor, session: Session
) -> TaskViewRead:
    """Make any view you see (yours or shared) the one your Tasks page opens with."""
    return await views.set_default(session, actor, view_id)
