import uuid
from typing import Annotated

from fastapi import Query, status

from api.deps import CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.common.pagination import Page, PageParams
from domain.integration import service as integration
from domain.integration.schemas import ApiCallRead, ApiKeyCreate, ApiKeyCreated, ApiKeyRead

router = AreaRouter(prefix="/api-keys", tags=["api keys"])


@router.get("", response_model=list[ApiKeyRead], responses=problem(401, 403))
async def list_api_keys(actor: CurrentActor, session: Session) -> list[ApiKeyRead]:
    """The organisation's API keys, live ones first (secrets are never shown again)."""
    return [ApiKeyRead.model_validate(k) for k in await integration.list_keys(session, actor)]


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 422),
)
async def create_api_key(
    data: ApiKeyCreate, actor: CurrentActor, session: Session
) -> ApiKeyCreated:
    """Create a key with scopes: `ingest` sends data, `read` reads every account, `full` does
    both and creates, edits, deletes and restores accounts. A key never does more than you
    may: a scope granting a permission you lack is a 403 `scope_beyond_your_permissions`. The
    response holds the key itself, shown this once."""
    key, secret = await integration.create_key(session, actor, data)
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(key).model_dump(), "key": secret}
    )


@router.post(
    "/{key_id:id}/revoke", response_model=ApiKeyRead, responses=problem(401, 403, 404, 422)
)
async def revoke_api_key(key_id: uuid.UUID, actor: CurrentActor, session: Session) -> ApiKeyRead:
    """Stop a key working at once (its API log stays readable)."""
    return ApiKeyRead.model_validate(await integration.revoke_key(session, actor, key_id))


@router.get(
    "/{key_id:id}/calls", response_model=Page[ApiCallRead], responses=problem(401, 403, 404, 422)
)
async def list_api_calls(
    key_id: uuid.UUID,
    actor: CurrentActor,
    session: Session,
    page: Annotated[PageParams, Query()],
    only_errors: bool = False,
) -> Page[ApiCallRead]:
    """The API log: the key's recent calls (14 days), newest first, with each rejected record
    and why."""
    paged = await integration.list_calls(
        session, actor, key_id, only_errors=only_errors, limit=page.limit, offset=page.offset
    )
    return Page[ApiCallRead].model_validate(paged)
