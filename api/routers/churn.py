import uuid

from fastapi import status

from api.deps import ApiActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.churn import service as churn
from domain.churn.schemas import ChurnDriversRead, ChurnStatusRead, ChurnTrainingQueued

# Predictive churn: the organisation's churn model and what drives each account's probability.
router = AreaRouter(tags=["churn"])


@router.get("/churn/model", response_model=ChurnStatusRead, responses=problem(401, 403))
async def get_churn_model(actor: ApiActor, session: Session) -> ChurnStatusRead:
    """The churn model that scores accounts now (the metric `churn_probability`), its
    held-out check and backtest, the training history, and how much history there is to
    train on: training refuses, and `missing` says why, until there are enough snapshot days
    whose outcome is known and enough churn events."""
    return await churn.status(session, actor)


@router.post(
    "/churn/model/train",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ChurnTrainingQueued,
    responses=problem(401, 403),
)
async def train_churn_model(actor: ApiActor, session: Session) -> ChurnTrainingQueued:
    """Train the churn model now, in the background (it is also retrained weekly). The run
    appears in the history, trained or with the reason it refused."""
    return churn.request_training(session, actor)


@router.get(
    "/accounts/{account_id:id}/churn-drivers",
    response_model=ChurnDriversRead,
    responses=problem(401, 404, 422),
)
async def get_account_churn_drivers(
    account_id: uuid.UUID, actor: ApiActor, session: Session
) -> ChurnDriversRead:
    """The account's churn probability and the metrics that contribute most to it, either
    way: each with the account's value, the mean it is compared with and its contribution to
    the log-odds (positive raises the probability). 404 until a model has been trained."""
    return await churn.drivers(session, actor, account_id)
