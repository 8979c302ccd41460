import uuid
from typing import Annotated

from fastapi import Query, status

from api.deps import ApiActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.common.types import Day, PeriodEnd, PeriodStart
from domain.metrics import service as metrics
from domain.metrics.schemas import (
    MAX_RANKED_CONTACTS,
    AccountMetricsRead,
    ComputedMetricCreate,
    ComputedMetricRead,
    ComputedMetricUpdate,
    ContactActivityRankRead,
    MetricAggregateRead,
    MetricHistoryRead,
    MetricRead,
    RefreshQueued,
)

# Account metrics: the catalog, computed metrics, current values, history and aggregates.
router = AreaRouter(tags=["metrics"])


@router.get("/metrics", response_model=list[MetricRead], responses=problem(401))
async def list_metrics(actor: ApiActor, session: Session) -> list[MetricRead]:
    """Every metric accounts have: built-in ones, the organisation's numeric custom metrics and
    its computed metrics, with the key each has in filters and list columns (`metric.<key>`)."""
    return await metrics.list_metrics(session, actor)


@router.get(
    "/metrics/{key}/aggregate", response_model=MetricAggregateRead, responses=problem(401, 404, 422)
)
async def aggregate_metric(
    key: str, actor: ApiActor, session: Session, day: Day | None = None
) -> MetricAggregateRead:
    """Count, count distinct (how many different values), sum, average, min, max and median
    of a metric over the accounts the caller may see: their current values, or the values
    snapshotted on `day`."""
    return await metrics.aggregate(session, actor, key, day=day)


@router.post(
    "/metrics/refresh",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RefreshQueued,
    responses=problem(401, 403),
)
async def refresh_metrics(actor: ApiActor, session: Session) -> RefreshQueued:
    """Recompute every account's metrics and today's snapshot now, in the background (they
    are also refreshed hourly and snapshotted daily)."""
    return RefreshQueued(job_id=metrics.request_refresh(session, actor))


@router.get("/computed-metrics", response_model=list[ComputedMetricRead], responses=problem(401))
async def list_computed_metrics(actor: ApiActor, session: Session) -> list[ComputedMetricRead]:
    """The organisation's computed metrics, by key."""
    rows = await metrics.list_computed(session, actor)
    return [ComputedMetricRead.model_validate(r) for r in rows]


@router.post(
    "/computed-metrics",
    status_code=status.HTTP_201_CREATED,
    response_model=ComputedMetricRead,
    responses=problem(401, 403, 409, 422),
)
async def create_computed_metric(
    data: ComputedMetricCreate, actor: ApiActor, session: Session
) -> ComputedMetricRead:
    """Define a metric as a formula over other metrics (`mrr / active_users_30d`): numbers,
    metric keys, + - * /, parentheses, abs(), round(), min(), max(), coalesce(). Unknown
    metrics and formulas that would depend on themselves are refused, and so is a key another
    metric, a custom field or one of the account's own fields has (409)."""
    return ComputedMetricRead.model_validate(await metrics.create_computed(session, actor, data))


@router.patch(
    "/computed-metrics/{metric_id:id}",
    response_model=ComputedMetricRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_computed_metric(
    metric_id: uuid.UUID, data: ComputedMetricUpdate, actor: ApiActor, session: Session
) -> ComputedMetricRead:
    """Change a computed metric's label, format, description or formula (validated again)."""
    return ComputedMetricRead.model_validate(
        await metrics.update_computed(session, actor, metric_id, data)
    )


@router.delete(
    "/computed-metrics/{metric_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 409, 422),
)
async def delete_computed_metric(metric_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """Remove a computed metric. While other computed metrics, account views (columns, sort,
    filter), alert rules, attribute triggers or health models name it, the answer is 409
    saying which: change or delete those first."""
    await metrics.delete_computed(session, actor, metric_id)


@router.get(
    "/accounts/{account_id:id}/metrics",
    response_model=AccountMetricsRead,
    responses=problem(401, 404, 422),
)
async def get_account_metrics(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> AccountMetricsRead:
    """An account's current metrics, with each one's change since its snapshot 7 days ago."""
    return await metrics.account_metrics(session, actor, account_id)


@router.get(
    "/accounts/{account_id:id}/metrics/{key}/history",
    response_model=MetricHistoryRead,
    responses=problem(401, 404, 422),
)
async def get_account_metric_history(
    account_id: uuid.UUID,
    key: str,
    actor: ApiActor,
    session: Session,
    since: Annotated[PeriodStart | None, Query()] = None,
    until: Annotated[PeriodEnd | None, Query()] = None,
) -> MetricHistoryRead:
    """A metric's daily values for an account (the last 90 days unless a range is given)."""
    return await metrics.metric_history(session, actor, account_id, key, since=since, until=until)


@router.get(
    "/accounts/{account_id:id}/contact-activity-ranks",
    response_model=list[ContactActivityRankRead],
    responses=problem(401, 404, 422),
)
async def list_contact_activity_ranks(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    contact_id: Annotated[
        list[uuid.UUID] | None,
        Query(
            max_length=MAX_RANKED_CONTACTS,
            description="Only these contacts of the account (a page of them, say)",
        ),
    ] = None,
) -> list[ContactActivityRankRead]:
    """The account's contacts by activity rank (percentile of 30-day session time among the
    organisation's active contacts), each with its trend: the slope of its last 30 daily
    ranks and the arrow it reads as. At most 500, highest rank first."""
    return await metrics.contact_activity_ranks(session, actor, account_id, contact_ids=contact_id)


@router.get(
    "/contacts/{contact_id:id}/activity-rank",
    response_model=ContactActivityRankRead,
    responses=problem(401, 404, 422),
)
async def get_contact_activity_rank(
    contact_id: uuid.UUID, actor: ApiActor, session: Session
) -> ContactActivityRankRead:
    """A contact's activity rank today and its trend over the last 30 daily ranks."""
    return await metrics.contact_activity_rank(session, actor, contact_id)
