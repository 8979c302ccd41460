"""Per-organisation account configuration: tiers, lifecycle stages and custom fields."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.custom_values import check_format
from domain.accounts.errors import (
    ConfigItemInUse,
    ConfigNameTaken,
    CustomFieldInUse,
    CustomFieldNotFound,
    CustomFieldOptionInUse,
    FieldKeyTaken,
    InvalidCustomFieldOptions,
    StageNotFound,
    TierNotFound,
)
from domain.accounts.models import (
    CustomField,
    CustomFieldKind,
    CustomFieldType,
    LifecycleStage,
    Tier,
)
from domain.accounts.repository import ConfigRepository
from domain.accounts.schemas import CustomFieldCreate, CustomFieldUpdate, TierWrite
from domain.audit import service as audit
from domain.common import clock
from domain.metrics import service as metrics
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

_NOT_FOUND = {Tier: TierNotFound, LifecycleStage: StageNotFound}


async def list_items(
    session: AsyncSession, actor: Actor, model: type[Tier] | type[LifecycleStage]
) -> list[Any]:
    return await ConfigRepository(session, actor.org_id).all(model)


async def create_item(
    session: AsyncSession, actor: Actor, model: type[Tier] | type[LifecycleStage], data: TierWrite
) -> Any:
    require(actor, Permission.CONFIGURE_PRODUCT)
    config = ConfigRepository(session, actor.org_id)
    if await config.name_taken(model, data.name, None):
        raise ConfigNameTaken()
    item = model(org_id=actor.org_id, name=data.name, position=data.position)
    session.add(item)
    await session.flush()
    audit.record_for(
        session,
        actor,
        f"{model.__tablename__}.created",
        model.__tablename__,
        item.id,
        after=data.model_dump(),
    )
    return item


async def update_item(
    session: AsyncSession,
    actor: Actor,
    model: Any,  # Tier or LifecycleStage
    item_id: uuid.UUID,
    data: TierWrite,
) -> Any:
    require(actor, Permission.CONFIGURE_PRODUCT)
    config = ConfigRepository(session, actor.org_id)
    item = await config.get(model, item_id)
    if item is None:
        raise _NOT_FOUND[model]()
    if await config.name_taken(model, data.name, item.id):
        raise ConfigNameTaken()
    before = {"name": item.name, "position": item.position}
    item.name, item.position = data.name, data.position
    audit.record_for(
        session,
        actor,
        f"{model.__tablename__}.updated",
        model.__tablename__,
        item.id,
        before=before,
        after=data.model_dump(),
    )
    return item


async def delete_item(
    session: AsyncSession,
    actor: Actor,
    model: Any,  # Tier or LifecycleStage
    item_id: uuid.UUID,
) -> None:
    """Remove a tier or stage nothing live uses. While accounts have it or attribute triggers set
    it, it is refused (409) with what uses it: removing it would leave those accounts without a
    value (and their stage periods open on nothing) and silently delete the triggers. History
    keeps the name it had."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    config = ConfigRepository(session, actor.org_id)
    item = await config.get(model, item_id)
    if item is None:
        raise _NOT_FOUND[model]()
    accounts = await config.live_accounts_with(model, item.id)
    triggers = await config.triggers_setting(model, item.id)
    if accounts or triggers:
        raise ConfigItemInUse(
            in_use_detail(
                "tier" if model is Tier else "lifecycle stage",
                item.name,
                accounts=accounts,
                triggers=triggers,
            )
        )
    if model is LifecycleStage:
        await config.close_open_stage_periods(item.id, clock.now())
    audit.record_for(
        session,
        actor,
        f"{model.__tablename__}.deleted",
        model.__tablename__,
        item.id,
        before={"name": item.name},
    )
    await session.delete(item)


def in_use_detail(kind: str, name: str, *, accounts: int, triggers: list[str]) -> str:
    """Why a tier or stage cannot be removed yet, and what to do first."""
    uses, steps = [], []
    if accounts:
        verb = "has" if accounts == 1 else "have"
        counted = "1 account" if accounts == 1 else f"{accounts:,} accounts"
        uses.append(f"{counted} {verb} it")
        steps.append(f"move {'it' if accounts == 1 else 'them'} to another {kind}")
    if triggers:
        names = ", ".join(f"“{t}”" for t in triggers)
        noun = "trigger" if len(triggers) == 1 else "triggers"
        uses.append(f"the attribute {noun} {names} {'sets' if len(triggers) == 1 else 'set'} it")
        steps.append(f"change or delete the {noun}")
    return (
        f"The {kind} “{name}” is in use: {' and '.join(uses)}. "
        f"{' and '.join(steps).capitalize()} before deleting it."
    )


async def list_custom_fields(session: AsyncSession, actor: Actor) -> list[CustomField]:
    return await ConfigRepository(session, actor.org_id).all(CustomField)


async def create_custom_field(
    session: AsyncSession, actor: Actor, data: CustomFieldCreate
) -> CustomField:
    """A custom field's key is its own: not another custom field's, a metric's (built-in or
    computed) or one of the account's own fields' (409)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    config = ConfigRepository(session, actor.org_id)
    holder = await metrics.claim_key(session, actor.org_id, data.key)
    if await config.custom_field_by_key(data.key) is not None:
        raise ConfigNameTaken("A custom field with this key exists")
    if holder is not None:
        raise FieldKeyTaken(f"{data.key!r} is already the key of {holder}")
    field = CustomField(
        org_id=actor.org_id,
        key=data.key,
        label=data.label,
        type=data.type,
        # A metric is numeric; every other type is a dimension.
        kind=CustomFieldKind.METRIC
        if data.type == CustomFieldType.NUMBER
        else CustomFieldKind.DIMENSION,
        format=check_format(data.type, data.format),
        options=data.options,
    )
    session.add(field)
    await session.flush()
    audit.record_for(
        session,
        actor,
        "custom_field.created",
        "custom_field",
        field.id,
        after={**data.model_dump(mode="json"), "format": field.format},
    )
    return field


async def update_custom_field(
    session: AsyncSession, actor: Actor, field_id: uuid.UUID, data: CustomFieldUpdate
) -> CustomField:
    """Key and type are fixed once created (stored values and filters depend on them); the
    format must be one the type allows. A category keeps the options live accounts hold or
    saved filters compare it with (409): those accounts could no longer be found by them."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    config = ConfigRepository(session, actor.org_id)
    field = await config.get(CustomField, field_id)
    if field is None:
        raise CustomFieldNotFound()
    if data.format is not None:
        check_format(field.type, data.format)
    if data.options is not None:
        if field.type != CustomFieldType.CATEGORY:
            raise InvalidCustomFieldOptions(
                f"Only a category field has options, not a {field.type} field"
            )
        await _check_options_kept(session, actor, config, field, data.options)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(field, name, value)
    audit.record_for(
        session,
        actor,
        "custom_field.updated",
        "custom_field",
        field.id,
        after=data.model_dump(mode="json", exclude_unset=True),
    )
    return field


async def _check_options_kept(
    session: AsyncSession,
    actor: Actor,
    config: ConfigRepository,
    field: CustomField,
    options: list[str],
) -> None:
    """CustomFieldOptionInUse when an option the field would lose is held by a live account or
    compared with in a saved filter: the filter language refuses a value that is not an option,
    so neither could find those accounts any more."""
    lost = [o for o in field.options if o not in options]
    if not lost:
        return
    held = await config.live_accounts_holding(field.key, lost)
    users = await metrics.option_users(session, actor, field, lost)
    if not held and not users.count:
        return
    uses, steps = [], []
    if held:
        counted = (
            ("1 live account holds" if held[o] == 1 else f"{held[o]:,} live accounts hold", o)
            for o in lost
            if o in held
        )
        uses.append(", ".join(f"{accounts} “{o}”" for accounts, o in counted))
        steps.append("give those accounts another value")
    if users.count:
        verb = "compares" if users.count == 1 else "compare"
        uses.append(f"{metrics.listed(users, reader=actor.user_id)} {verb} the field with them")
        steps.append("change those filters")
    raise CustomFieldOptionInUse(
        f"Options the custom field “{field.label}” (custom.{field.key}) would lose are in use: "
        f"{'; '.join(uses)}. {' and '.join(steps).capitalize()} first."
    )


async def delete_custom_field(session: AsyncSession, actor: Actor, field_id: uuid.UUID) -> None:
    """Remove a custom field nothing stored means something by: while account views' filters,
    alert rules, attribute triggers, health models or computed metrics use it, it is refused
    (409) with what uses it (every user's views, with whose they are), as they would stop
    working (a view answers 422, a rule is skipped). Views that only show it or sort by it
    lose that column or sort, in the same transaction."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    field = await ConfigRepository(session, actor.org_id).get(CustomField, field_id)
    if field is None:
        raise CustomFieldNotFound()
    users = await metrics.custom_field_users(session, actor, field)
    if users.count:
        raise CustomFieldInUse(
            metrics.users_detail(
                f"The custom field “{field.label}” (custom.{field.key})",
                users,
                reader=actor.user_id,
            )
        )
    await metrics.forget_custom_field_in_views(session, actor, field)
    audit.record_for(
        session,
        actor,
        "custom_field.deleted",
        "custom_field",
        field.id,
        before={"key": field.key, "label": field.label},
    )
    await session.delete(field)
