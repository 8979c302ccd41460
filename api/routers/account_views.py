import uuid

from fastapi import status

from api.deps import CurrentActor, Session
from api.errors import problem
from api.params import ViewOwner
from api.routing import AreaRouter
from domain.accounts import views
from domain.accounts.schemas import AccountViewRead, AccountViewWrite

router = AreaRouter(prefix="/account-views", tags=["account views"])


@router.get("", response_model=list[AccountViewRead], responses=problem(401, 403, 422))
async def list_account_views(
    actor: CurrentActor, session: Session, owner: ViewOwner = None
) -> list[AccountViewRead]:
    """Your views and the organisation's shared views of the account list, by name. With
    `owner=all`, every user's views, personal ones too (needs "configure product", 403
    otherwise); with a user's id, that user's views (their personal ones only if you configure
    product settings, or they are yours)."""
    found = await views.list_views(session, actor, owner=owner)
    return [AccountViewRead.model_validate(v) for v in found]


@router.post(
    "",
    response_model=AccountViewRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_account_view(
    data: AccountViewWrite, actor: CurrentActor, session: Session
) -> AccountViewRead:
    """Save columns, a filter and a sort as a view (shared views need "configure product"). Its
    name is unique, whatever the case, among your views, and a shared view's among the shared
    views (409)."""
    return AccountViewRead.model_validate(await views.create_view(session, actor, data))


@router.put(
    "/{view_id:id}", response_model=AccountViewRead, responses=problem(401, 403, 404, 409, 422)
)
async def update_account_view(
    view_id: uuid.UUID, data: AccountViewWrite, actor: CurrentActor, session: Session
) -> AccountViewRead:
    """Replace a view's name, columns, filter and sort: your own, or (with "configure
    product") anyone's, personal views too; one you may not see is a 404."""
    return AccountViewRead.model_validate(await views.update_view(session, actor, view_id, data))


@router.delete(
    "/{view_id:id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem(401, 403, 404, 422)
)
async def delete_account_view(view_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Delete a view: your own, or (with "configure product") anyone's, personal views too; one
    you may not see is a 404."""
    await views.delete_view(session, actor, view_id)
