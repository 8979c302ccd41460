import uuid

from fastapi import status

from api.deps import ApiActor, CurrentActor, Session
from api.errors import problem
from api.routing import AreaRouter
from domain.accounts import configuration
from domain.accounts.models import LifecycleStage, Tier
from domain.accounts.schemas import (
    CustomFieldCreate,
    CustomFieldRead,
    CustomFieldUpdate,
    StageRead,
    StageWrite,
    TierRead,
    TierWrite,
)

router = AreaRouter(tags=["account settings"])


@router.get("/tiers", response_model=list[TierRead], responses=problem(401))
async def list_tiers(actor: ApiActor, session: Session) -> list[TierRead]:
    """The organisation's account tiers, in order (also for an API key: batches name them)."""
    return [
        TierRead.model_validate(t) for t in await configuration.list_items(session, actor, Tier)
    ]


@router.post(
    "/tiers",
    response_model=TierRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_tier(data: TierWrite, actor: CurrentActor, session: Session) -> TierRead:
    """Add a tier."""
    return TierRead.model_validate(await configuration.create_item(session, actor, Tier, data))


@router.put(
    "/tiers/{tier_id:id}", response_model=TierRead, responses=problem(401, 403, 404, 409, 422)
)
async def update_tier(
    tier_id: uuid.UUID, data: TierWrite, actor: CurrentActor, session: Session
) -> TierRead:
    """Rename or reorder a tier."""
    return TierRead.model_validate(
        await configuration.update_item(session, actor, Tier, tier_id, data)
    )


@router.delete(
    "/tiers/{tier_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 409, 422),
)
async def delete_tier(tier_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Remove a tier. While accounts have it or attribute triggers set it, the answer is 409
    saying how many accounts and which triggers: move or change those first."""
    await configuration.delete_item(session, actor, Tier, tier_id)


@router.get("/lifecycle-stages", response_model=list[StageRead], responses=problem(401))
async def list_lifecycle_stages(actor: ApiActor, session: Session) -> list[StageRead]:
    """The organisation's lifecycle stages, in order."""
    return [
        StageRead.model_validate(s)
        for s in await configuration.list_items(session, actor, LifecycleStage)
    ]


@router.post(
    "/lifecycle-stages",
    response_model=StageRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_lifecycle_stage(
    data: StageWrite, actor: CurrentActor, session: Session
) -> StageRead:
    """Add a lifecycle stage."""
    return StageRead.model_validate(
        await configuration.create_item(session, actor, LifecycleStage, data)
    )


@router.put(
    "/lifecycle-stages/{stage_id:id}",
    response_model=StageRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_lifecycle_stage(
    stage_id: uuid.UUID, data: StageWrite, actor: CurrentActor, session: Session
) -> StageRead:
    """Rename or reorder a lifecycle stage (history keeps the name it had)."""
    return StageRead.model_validate(
        await configuration.update_item(session, actor, LifecycleStage, stage_id, data)
    )


@router.delete(
    "/lifecycle-stages/{stage_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 409, 422),
)
async def delete_lifecycle_stage(
    stage_id: uuid.UUID, actor: CurrentActor, session: Session
) -> None:
    """Remove a lifecycle stage. While accounts are in it or attribute triggers set it, the
    answer is 409 saying how many accounts and which triggers: move or change those first.
    Stage history keeps the name it had."""
    await configuration.delete_item(session, actor, LifecycleStage, stage_id)


@router.get("/custom-fields", response_model=list[CustomFieldRead], responses=problem(401))
async def list_custom_fields(actor: ApiActor, session: Session) -> list[CustomFieldRead]:
    """The organisation's custom dimensions and metrics."""
    return [
        CustomFieldRead.model_validate(f)
        for f in await configuration.list_custom_fields(session, actor)
    ]


@router.post(
    "/custom-fields",
    response_model=CustomFieldRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem(401, 403, 409, 422),
)
async def create_custom_field(
    data: CustomFieldCreate, actor: CurrentActor, session: Session
) -> CustomFieldRead:
    """Define a custom field: a number is a metric; text, category, date and boolean are
    dimensions. Its values are set per account under `custom_values.<key>`. Its key is not
    another custom field's, a metric's (built-in or computed) or one of the account's own
    fields' (409)."""
    return CustomFieldRead.model_validate(
        await configuration.create_custom_field(session, actor, data)
    )


@router.patch(
    "/custom-fields/{field_id:id}",
    response_model=CustomFieldRead,
    responses=problem(401, 403, 404, 409, 422),
)
async def update_custom_field(
    field_id: uuid.UUID, data: CustomFieldUpdate, actor: CurrentActor, session: Session
) -> CustomFieldRead:
    """Change a custom field's label, format or options (key and type are fixed). A category
    keeps the options live accounts hold or saved filters compare it with: removing one is a
    409 saying how many accounts hold which and which filters name them."""
    return CustomFieldRead.model_validate(
        await configuration.update_custom_field(session, actor, field_id, data)
    )


@router.delete(
    "/custom-fields/{field_id:id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem(401, 403, 404, 409, 422),
)
async def delete_custom_field(field_id: uuid.UUID, actor: CurrentActor, session: Session) -> None:
    """Remove a custom field definition. While account views (columns, sort, filter), alert
    rules, attribute triggers, health models or computed metrics name it, the answer is 409
    saying which: change or delete those first."""
    await configuration.delete_custom_field(session, actor, field_id)
