import uuid
from datetime import date

from fastapi import APIRouter

from api.deps import ApiActor, Session
from api.errors import problem
from domain.usage import service as usage
from domain.usage.schemas import UsageSeries

router = APIRouter(tags=["usage"])


@router.get(
    "/accounts/{account_id}/usage", response_model=UsageSeries, responses=problem(401, 404, 422)
)
async def get_account_usage(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    since: date | None = None,
    until: date | None = None,
) -> UsageSeries:
    """An account's usage per day (events, active contacts, sessions, session time) and its
    most used features, from `since` to `until` inclusive (the last 30 days by default, at
    most 366 days), as of the last rollup."""
    return await usage.account_usage(session, actor, account_id, since=since, until=until)
