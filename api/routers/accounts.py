import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentActor, Session
from api.errors import problem
from domain.accounts import service as accounts
from domain.accounts.schemas import AccountCreate, AccountRead, AccountSort, AccountUpdate
from domain.common.pagination import MAX_LIMIT, Page

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get("", response_model=Page[AccountRead], responses=problem(401, 403, 422))
async def list_accounts(
    actor: CurrentActor,
    session: Session,
    q: Annotated[
        str | None, Query(max_length=200, description="Search name, domain and external id")
    ] = None,
    sort: AccountSort = AccountSort.NAME,
    descending: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    deleted: Annotated[
        bool, Query(description="List deleted accounts instead (to restore them)")
    ] = False,
) -> Page[AccountRead]:
    """Accounts the caller may see (all, or only those assigned to them), one page at a time."""
    paged = await accounts.list_accounts(
        session,
        actor,
        q=q,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
        deleted=deleted,
    )
    return Page[AccountRead].model_validate(paged)


@router.post(
    "",
    response_model=AccountRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_account(data: AccountCreate, actor: CurrentActor, session: Session) -> AccountRead:
    """Create an account."""
    return AccountRead.model_validate(await accounts.create_account(session, actor, data))


@router.get("/{account_id}", response_model=AccountRead, responses=problem(401, 404))
async def get_account(account_id: uuid.UUID, actor: CurrentActor, session: Session) -> AccountRead:
    """One account."""
    return AccountRead.model_validate(await accounts.get_account(session, actor, account_id))


@router.patch(
    "/{account_id}", response_model=AccountRead, responses=problem(401, 403, 404, 409, 422)
)
async def update_account(
    account_id: uuid.UUID, data: AccountUpdate, actor: CurrentActor, session: Session
) -> AccountRead:
    """Change an account's fields or its CSMs."""
    return AccountRead.model_validate(
        await accounts.update_account(session, actor, account_id, data)
    )


@router.delete(
    "/{account_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problem(401, 403, 404)
)
async def delete_account(account_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Delete an account (test data, duplicates): it leaves every view and report.
    An admin can restore it. To record a lost customer, mark it churned instead."""
    await accounts.delete_account(session, actor, account_id)


@router.post(
    "/{account_id}/restore", response_model=AccountRead, responses=problem(401, 403, 404, 409)
)
async def restore_account(
    account_id: uuid.UUID, actor: CurrentActor, session: Session
) -> AccountRead:
    """Bring back a deleted account."""
    return AccountRead.model_validate(await accounts.restore_account(session, actor, account_id))
