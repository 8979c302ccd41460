from typing import Annotated

from fastapi import Path

from api.deps import ApiActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.freshness import service as freshness
from domain.freshness.schemas import ChangeState, FreshnessRead

# How far the figures are behind the data: the live chain's backlog, and one write's state.
router = AreaRouter(prefix="/freshness", tags=["freshness"])


@router.get("", response_model=FreshnessRead, responses=problem(401, 403))
async def get_freshness(actor: ApiActor, session: Session) -> FreshnessRead:
    """The organisation's data freshness: accounts whose figures wait for the live chain
    (queued, running, failed), the oldest waiting change, and when each stage last ran. Needs
    "manage organisation" or, for an integration's key, "send data"."""
    return await freshness.freshness(session, actor)


@router.get("/changes/{change}", response_model=ChangeState, responses=problem(401, 404, 422))
async def get_change_state(
    change: Annotated[int, Path(ge=1, le=2**62, description="A write's `change` number")],
    actor: ApiActor,
    session: Session,
) -> ChangeState:
    """Whether the figures reflect a write: `done` once every change the organisation made up
    to and including number `change` has gone through the live chain (usage rollup, MRR,
    metrics); `queued` or `running` before, `failed` when an account's recompute failed
    after retries (the nightly recompute still covers it). Poll it instead of `computed_at`."""
    return await freshness.change_state(session, actor, change)
