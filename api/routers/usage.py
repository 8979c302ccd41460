import uuid
from typing import Annotated

from fastapi import Query

from api.deps import ApiActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.common.types import PeriodEnd, PeriodStart
from domain.usage import service as usage
from domain.usage.schemas import FeatureSeries, UsageSeries

router = AreaRouter(tags=["usage"])

Rollup = Annotated[
    bool,
    Query(
        description="The usage of this account and every child account below it (any depth) "
        "that the caller may see, taken together: contacts are counted once"
    ),
]


@router.get(
    "/accounts/{account_id:id}/usage", response_model=UsageSeries, responses=problem(401, 404, 422)
)
async def get_account_usage(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    since: PeriodStart | None = None,
    until: PeriodEnd | None = None,
    rollup: Rollup = False,
) -> UsageSeries:
    """An account's usage per day (events, active contacts, sessions, session time) and its
    most used features, from `since` to `until` inclusive (the last 30 days by default, at
    most 366 days), as of the last rollup."""
    return await usage.account_usage(
        session, actor, account_id, since=since, until=until, rollup=rollup
    )


@router.get(
    "/accounts/{account_id:id}/usage/features",
    response_model=FeatureSeries,
    responses=problem(401, 404, 422),
)
async def get_account_feature_usage(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    since: PeriodStart | None = None,
    until: PeriodEnd | None = None,
    rollup: Rollup = False,
) -> FeatureSeries:
    """An account's five most used features from `since` to `until` inclusive (the last 30
    days by default, at most 366 days) and their events per day, or per week (Monday to
    Sunday, cut to the range) when the range is longer than 31 days."""
    return await usage.account_feature_usage(
        session, actor, account_id, since=since, until=until, rollup=rollup
    )
