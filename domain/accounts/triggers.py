"""Attribute triggers: rules in the filter language that set an account's tier, stage or churned
status. Run by a worker on a schedule and on demand; each run is idempotent (an account already
in the target state is not touched, so histories record real changes only). A trigger's changes
are one batch through the accounts' write path (bulk_writes.py).

Precedence: for each attribute (tier, stage, churned), the first active trigger by position
(then name) that matches an account decides it; later triggers on the same attribute leave that
account alone. Without this, two overlapping triggers would each rewrite the other's accounts on
every run, writing a stage period and an audit entry each time over unchanged data."""

import uuid

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts import bulk_writes, service
from domain.accounts.errors import (
    AttributeTriggerNameTaken,
    AttributeTriggerNotFound,
    InvalidTrigger,
    TriggerTargetNotFound,
)
from domain.accounts.models import Account, AttributeTrigger, LifecycleStage, Tier, TriggerTarget
from domain.accounts.repository import (
    AccountRepository,
    ConfigRepository,
    all_organisations_with_active_triggers,
)
from domain.accounts.schemas import AccountUpdate, AttributeTriggerWrite, ChurnCreate
from domain.audit import service as audit
from domain.common import clock, jobs
from domain.common.db import retries_races
from domain.filters.schemas import Condition
from domain.users.actor import Actor, require
from domain.users.permissions import Permission

_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)
# A run's changes are a few set-based statements however many accounts; beyond this many, the
# next run continues (each run only changes accounts not yet in the target state).
MAX_CHANGES_PER_RUN = 200_000


async def list_triggers(session: AsyncSession, actor: Actor) -> list[AttributeTrigger]:
    return await ConfigRepository(session, actor.org_id).triggers()


async def _get(session: AsyncSession, actor: Actor, trigger_id: uuid.UUID) -> AttributeTrigger:
    trigger = await ConfigRepository(session, actor.org_id).get(AttributeTrigger, trigger_id)
    if trigger is None:
        raise AttributeTriggerNotFound()
    return trigger


async def _validate(
    session: AsyncSession,
    actor: Actor,
    data: AttributeTriggerWrite,
    trigger: AttributeTrigger | None = None,
) -> None:
    """`trigger`: the one being replaced (its own name is not taken)."""
    config = ConfigRepository(session, actor.org_id)
    if data.target == TriggerTarget.TIER:
        if data.tier_id is None:
            raise InvalidTrigger("A tier trigger needs a tier_id")
        if await config.get(Tier, data.tier_id) is None:
            raise TriggerTargetNotFound(f"This organisation has no tier {data.tier_id}")
    if data.target == TriggerTarget.STAGE:
        if data.stage_id is None:
            raise InvalidTrigger("A stage trigger needs a stage_id")
        if await config.get(LifecycleStage, data.stage_id) is None:
            raise TriggerTargetNotFound(f"This organisation has no lifecycle stage {data.stage_id}")
    if data.target == TriggerTarget.CHURNED and not data.churn_reason:
        raise InvalidTrigger("A churn trigger needs the churn reason to record")
    await service.compile_filter(session, actor, data.condition)
    # A trigger is known by its name (the list, a tier or stage refused deletion naming those
    # that set it), so two may not share one.
    if await config.name_taken(AttributeTrigger, data.name, trigger.id if trigger else None):
        raise AttributeTriggerNameTaken(f"An attribute trigger is already named {data.name!r}")


def _apply(trigger: AttributeTrigger, data: AttributeTriggerWrite) -> None:
    trigger.name = data.name
    trigger.target = data.target
    trigger.tier_id = data.tier_id if data.target == TriggerTarget.TIER else None
    trigger.stage_id = data.stage_id if data.target == TriggerTarget.STAGE else None
    trigger.churn_reason = data.churn_reason if data.target == TriggerTarget.CHURNED else None
    trigger.condition = _CONDITION.dump_python(data.condition, mode="json")
    trigger.position = data.position
    trigger.is_active = data.is_active


@retries_races
async def create_trigger(
    session: AsyncSession, actor: Actor, data: AttributeTriggerWrite
) -> AttributeTrigger:
    require(actor, Permission.CONFIGURE_PRODUCT)
    await _validate(session, actor, data)
    trigger = AttributeTrigger(org_id=actor.org_id)
    _apply(trigger, data)
    session.add(trigger)
    await session.flush()
    audit.record_for(
        session,
        actor,
        "attribute_trigger.created",
        "attribute_trigger",
        trigger.id,
        after=data.model_dump(mode="json"),
    )
    return trigger


@retries_races
async def update_trigger(
    session: AsyncSession, actor: Actor, trigger_id: uuid.UUID, data: AttributeTriggerWrite
) -> AttributeTrigger:
    require(actor, Permission.CONFIGURE_PRODUCT)
    trigger = await _get(session, actor, trigger_id)
    await _validate(session, actor, data, trigger)
    _apply(trigger, data)
    # A name another request took meanwhile fails here, where the write is run again.
    await session.flush()
    audit.record_for(
        session,
        actor,
        "attribute_trigger.updated",
        "attribute_trigger",
        trigger.id,
        after=data.model_dump(mode="json"),
    )
    return trigger


async def delete_trigger(session: AsyncSession, actor: Actor, trigger_id: uuid.UUID) -> None:
    require(actor, Permission.CONFIGURE_PRODUCT)
    trigger = await _get(session, actor, trigger_id)
    audit.record_for(
        session,
        actor,
        "attribute_trigger.deleted",
        "attribute_trigger",
        trigger.id,
        before={"name": trigger.name},
    )
    await session.delete(trigger)


def request_run(session: AsyncSession, actor: Actor) -> None:
    """Ask a worker to run the organisation's triggers now (after this transaction commits)."""
    require(actor, Permission.CONFIGURE_PRODUCT)
    jobs.enqueue(
        session,
        "accounts.run_attribute_triggers",
        job_id=f"triggers:{actor.org_id}:{clock.now():%Y%m%d%H%M}",
        org_id=str(actor.org_id),
    )


async def run_triggers(session: AsyncSession, org_id: uuid.UUID) -> dict[str, int]:
    """Apply every active trigger, in position order, to the accounts it matches that are not
    already in its target state and that no earlier trigger on the same attribute matches.
    Changes go through the accounts' write path, so stage history, churn events and the audit
    log are written as for a manual edit."""
    actor = Actor.system(org_id)
    accounts = AccountRepository(session, actor)
    config = ConfigRepository(session, org_id)
    changed: dict[str, int] = {}
    # Per attribute, the conditions of the triggers before this one: an account any of them
    # matches is theirs, whether or not they had to change it.
    claimed: dict[TriggerTarget, list[ColumnElement[bool]]] = {}
    for trigger in await list_triggers(session, actor):
        if not trigger.is_active:
            continue
        condition = await service.compile_filter(
            session, actor, _CONDITION.validate_python(trigger.condition)
        )
        assert condition is not None
        earlier = claimed.setdefault(trigger.target, [])
        # IS NOT TRUE: an earlier condition that is NULL for an account (a missing value)
        # does not claim it.
        unclaimed = or_(*earlier).is_not(True) if earlier else None
        earlier.append(condition)
        match trigger.target:
            case TriggerTarget.TIER:
                pending = Account.tier_id.is_distinct_from(trigger.tier_id)
            case TriggerTarget.STAGE:
                pending = Account.stage_id.is_distinct_from(trigger.stage_id)
            case _:
                pending = Account.churned_on.is_(None)
        if unclaimed is not None:
            pending = pending & unclaimed
        targets = await accounts.matching_ids(
            q=None,
            condition=condition & pending,
            churned=None,
            account_ids=None,
            limit=MAX_CHANGES_PER_RUN,
        )
        # The audit entries of its writes name it (`AuditEntry.actor_trigger_id`).
        await config.attribute_writes_to(trigger.id)
        match trigger.target:
            case TriggerTarget.TIER:
                await bulk_writes.write_same_edit(
                    session, actor, targets, AccountUpdate(tier_id=trigger.tier_id)
                )
            case TriggerTarget.STAGE:
                await bulk_writes.write_same_edit(
                    session, actor, targets, AccountUpdate(stage_id=trigger.stage_id)
                )
            case _ if targets:
                await bulk_writes.churn_accounts(
                    session,
                    actor,
                    targets,
                    ChurnCreate(
                        churned_on=await service.org_today(session, org_id),
                        reason=trigger.churn_reason or trigger.name,
                    ),
                )
        trigger.last_run_at = clock.now()
        trigger.last_changed = len(targets)
        changed[str(trigger.id)] = len(targets)
    await config.attribute_writes_to(None)
    return changed


async def organisations_with_triggers(session: AsyncSession) -> list[uuid.UUID]:
    return await all_organisations_with_active_triggers(session)
