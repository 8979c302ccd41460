import uuid
from typing import Annotated

from fastapi import Query, status

from api.deps import ApiActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.common.types import PeriodEnd, PeriodStart
from domain.health import service as health
from domain.health.schemas import (
    AccountHealthHistoryRead,
    AccountHealthRead,
    BacktestRead,
    BacktestRequest,
    HealthBands,
    HealthModelCreate,
    HealthModelOrder,
    HealthModelRead,
    HealthModelSave,
    HealthPreviewRead,
    HealthPreviewRequest,
    HealthRecomputeQueued,
    HealthTrendRead,
)

# Health scores: the organisation's models and bands, and each account's score explained.
router = AreaRouter(tags=["health"])


@router.get("/health/models", response_model=list[HealthModelRead], responses=problem(401))
async def list_health_models(actor: ApiActor, session: Session) -> list[HealthModelRead]:
    """Segment models in the order they are tried, then the default model (which scores every
    account no segment matches). Each with its live version and the version in shadow, if
    any."""
    return await health.list_models(session, actor)


@router.post(
    "/health/models",
    status_code=status.HTTP_201_CREATED,
    response_model=HealthModelRead,
    responses=problem(401, 403, 409, 422),
)
async def create_health_model(
    data: HealthModelCreate, actor: ApiActor, session: Session
) -> HealthModelRead:
    """A segment model, tried after the existing ones: accounts matching its filter are scored
    by it. Scores are recomputed in the background."""
    return await health.create_model(session, actor, data)


@router.get(
    "/health/models/{model_id:id}", response_model=HealthModelRead, responses=problem(401, 404, 422)
)
async def get_health_model(
    model_id: uuid.UUID, actor: ApiActor, session: Session
) -> HealthModelRead:
    return await health.get_model(session, actor, model_id)


@router.put(
    "/health/models/{model_id:id}",
    response_model=HealthModelRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def save_health_model(
    model_id: uuid.UUID, data: HealthModelSave, actor: ApiActor, session: Session
) -> HealthModelRead:
    """Save the model as a new version: live at once (scores are recomputed in the
    background), or with `shadow` scored daily beside the live one until it is made live.
    Scores already given keep naming the version that gave them."""
    return await health.save_model(session, actor, model_id, data)


@router.post(
    "/health/models/{model_id:id}/preview",
    response_model=HealthPreviewRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def preview_health_model(
    model_id: uuid.UUID, data: HealthPreviewRequest, actor: ApiActor, session: Session
) -> HealthPreviewRead:
    """How the model's accounts spread across the bands now and how they would if the model
    were saved as given (nothing is saved)."""
    return await health.preview(session, actor, model_id, data)


@router.post(
    "/health/models/{model_id:id}/backtest",
    response_model=BacktestRead,
    responses=problem(401, 403, 404, 422),
)
async def backtest_health_model(
    model_id: uuid.UUID, data: BacktestRequest, actor: ApiActor, session: Session
) -> BacktestRead:
    """Replay a version of the model (the live one, another saved or shadow version, or a draft
    of components) over the metric snapshots of a past day, and report how well its scores
    separated the accounts that churned within the horizon from those that stayed: AUC,
    churn rate and MRR per band with the churned accounts, and the poor band's lift. A day
    without a metric snapshot is a 422 `no_snapshot_for_day` naming the first and last days
    that have one."""
    return await health.backtest(session, actor, model_id, data)


@router.post(
    "/health/models/{model_id:id}/make-shadow-live",
    response_model=HealthModelRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def make_health_shadow_live(
    model_id: uuid.UUID, actor: ApiActor, session: Session
) -> HealthModelRead:
    """The version in shadow becomes the live one."""
    return await health.make_shadow_live(session, actor, model_id)


@router.delete(
    "/health/models/{model_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 409, 422),
)
async def delete_health_model(model_id: uuid.UUID, actor: ApiActor, session: Session) -> None:
    """A segment model stops scoring (its accounts go to the next matching model); the scores
    it gave stay in history. The default model cannot be deleted."""
    await health.delete_model(session, actor, model_id)


@router.put(
    "/health/segment-order",
    response_model=list[HealthModelRead],
    responses=problem(401, 403, 409, 422),
)
async def order_health_segments(
    data: HealthModelOrder, actor: ApiActor, session: Session
) -> list[HealthModelRead]:
    """The order segment models are tried in (every segment model's id, first tried first)."""
    return await health.order_segments(session, actor, data.segment_ids)


@router.post(
    "/health/recompute",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=HealthRecomputeQueued,
    responses=problem(401, 403),
)
async def recompute_health(actor: ApiActor, session: Session) -> HealthRecomputeQueued:
    """Recompute every account's health score now, in the background (scores also follow
    their figures within seconds, are recomputed hourly and after a model changes; each
    model's `scored_by_earlier` says how many wait for its live version)."""
    return health.recompute(session, actor)


@router.get("/health/bands", response_model=HealthBands, responses=problem(401))
async def get_health_bands(actor: ApiActor, session: Session) -> HealthBands:
    """Scores from `good_from` are good, from `average_from` average, lower ones poor."""
    return await health.bands(session, actor)


@router.put("/health/bands", response_model=HealthBands, responses=problem(401, 403, 422))
async def set_health_bands(data: HealthBands, actor: ApiActor, session: Session) -> HealthBands:
    return await health.set_bands(session, actor, data)


@router.get(
    "/accounts/{account_id:id}/health",
    response_model=AccountHealthRead | None,
    responses=problem(401, 404, 422),
)
async def get_account_health(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> AccountHealthRead | None:
    """The account's health score and how it was made: the model and version, each
    component's metrics (value and score), its weight's share, the points it adds and the
    points it could add at 100. null before the account is first scored."""
    return await health.account_health(session, actor, account_id)


@router.get(
    "/accounts/{account_id:id}/health/history",
    response_model=AccountHealthHistoryRead,
    responses=problem(401, 404, 422),
)
async def get_account_health_history(
    account_id: uuid.UUID,
    actor: ApiActor,
    session: Session,
    since: Annotated[PeriodStart | None, Query()] = None,
    until: Annotated[PeriodEnd | None, Query()] = None,
) -> AccountHealthHistoryRead:
    """The account's daily health scores (the last 90 days unless a range is given), each
    with its band, model, version and component scores, and the band edges to draw. Today
    (the organisation's) is the current score; earlier days are the nightly history."""
    return await health.account_history(session, actor, account_id, since=since, until=until)


@router.get("/health/trend", response_model=HealthTrendRead, responses=problem(401, 404, 422))
async def get_health_trend(
    actor: ApiActor,
    session: Session,
    since: Annotated[PeriodStart | None, Query()] = None,
    until: Annotated[PeriodEnd | None, Query()] = None,
    csm_id: Annotated[uuid.UUID | None, Query()] = None,
) -> HealthTrendRead:
    """Accounts and MRR per health band per day (the last 90 days unless a range is given),
    over the active book the caller may see (an account churned that day is left out), or
    the accounts assigned to one CSM. Today (the
    organisation's) counts the current scores and MRR, so a recompute shows at once; earlier
    days are the nightly history. `csm_id` is a user whose figures the caller may see, as in
    the team reports (anyone, for a viewer of every account; otherwise themselves and those
    they manage), else 404 `csm_not_found`."""
    return await health.trend(session, actor, since=since, until=until, csm_id=csm_id)
