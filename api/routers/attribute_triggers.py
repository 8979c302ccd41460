import uuid

from fastapi import Response, status

from api.deps import CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.accounts import triggers
from domain.accounts.schemas import AttributeTriggerRead, AttributeTriggerWrite

router = AreaRouter(prefix="/attribute-triggers", tags=["attribute triggers"])


@router.get("", response_model=list[AttributeTriggerRead], responses=problem(401))
async def list_attribute_triggers(
    actor: CurrentActor, session: Session
) -> list[AttributeTriggerRead]:
    """Rules that set tier, stage or churned status automatically, in the order they run."""
    return [
        AttributeTriggerRead.model_validate(t) for t in await triggers.list_triggers(session, actor)
    ]


@router.post(
    "",
    response_model=AttributeTriggerRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_attribute_trigger(
    data: AttributeTriggerWrite, actor: CurrentActor, session: Session
) -> AttributeTriggerRead:
    """Create a rule, e.g. Tier 1 when `metric.mrr gte 1000`, or Onboarding when
    `joined_on within_last_days 30`. Its name is unique in the organisation, whatever the case
    (409)."""
    return AttributeTriggerRead.model_validate(await triggers.create_trigger(session, actor, data))


@router.post(
    "/run",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses={202: {"description": "Queued (no body)"}, **problem(401, 403)},
)
async def run_attribute_triggers(actor: CurrentActor, session: Session) -> Response:
    """Run every active trigger now, in a worker."""
    triggers.request_run(session, actor)
    return Response(status_code=status.HTTP_202_ACCEPTED)


@router.put(
    "/{trigger_id:id}",
    response_model=AttributeTriggerRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_attribute_trigger(
    trigger_id: uuid.UUID, data: AttributeTriggerWrite, actor: CurrentActor, session: Session
) -> AttributeTriggerRead:
    """Replace a trigger."""
    return AttributeTriggerRead.model_validate(
        await triggers.update_trigger(session, actor, trigger_id, data)
    )


@router.delete(
    "/{trigger_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 422),
)
async def delete_attribute_trigger(
    trigger_id: uuid.UUID, actor: CurrentActor, session: Session
) -> None:
    """Delete a trigger (accounts keep what it set)."""
    await triggers.delete_trigger(session, actor, trigger_id)
